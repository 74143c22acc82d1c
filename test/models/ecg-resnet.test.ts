import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { assertNoLeakAsync } from '../../src-main/core/engine/memory.js';
import { createRng, deriveSeed, shuffledIndices } from '../../src-main/core/engine/seed.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { buildEcgResnet, ecgResnetParamCount } from '../../src-main/core/models/ecg-resnet.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { BEAT_LENGTH, loadBeats187 } from './beats187.js';

// PyTorch's count for the peer network in bench/ (torch_ecg_bench.py prints "params": 55013).
const PYTORCH_PARAMS =
  32 * 1 * 5 + 32 + 10 * (32 * 32 * 5 + 32) + (64 * 32 + 32) + (32 * 32 + 32) + (32 * 5 + 5);

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function sameWeights(a: Float32Array[], b: Float32Array[]): boolean {
  return (
    a.length === b.length &&
    a.every((w, i) => w.length === b[i]!.length && w.every((v, j) => Object.is(v, b[i]![j])))
  );
}

/** A short seeded training on the real beats: our shuffle, fit without TF.js's own (Math.random) shuffle. */
async function trainBriefly(
  seed: number,
  epochs: number,
  beats = 128,
): Promise<{ weights: Float32Array[]; losses: number[] }> {
  const { values, labels } = loadBeats187();
  const n = Math.min(beats, labels.length);
  const model = buildEcgResnet({ inputLength: BEAT_LENGTH, classes: 2, seed });
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffledIndices(n, createRng(deriveSeed(seed, 'epoch', epoch)));
    const x = new Float32Array(n * BEAT_LENGTH);
    const y = new Int32Array(n);
    order.forEach((i, k) => {
      x.set(values.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH), k * BEAT_LENGTH);
      y[k] = labels[i] as number;
    });
    const xs = tf.tensor3d(x, [n, BEAT_LENGTH, 1]);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), 2));
    const history = await model.fit(xs, ys, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    losses.push(Number(history.history['loss']?.[0]));
    xs.dispose();
    ys.dispose();
  }
  const weights = weightsOf(model);
  model.dispose();
  optimizer.dispose();
  return { weights, losses };
}

test('ecg-resnet has the PyTorch peer parameter count and the Kachuee layout', async () => {
  await initEngine('wasm');
  const before = tf.memory().numTensors;
  const model = buildEcgResnet({ seed: 1 });
  assert.equal(PYTORCH_PARAMS, 55013);
  assert.equal(model.countParams(), PYTORCH_PARAMS);
  assert.equal(ecgResnetParamCount(), PYTORCH_PARAMS);
  const longer = buildEcgResnet({ inputLength: 250, classes: 3, seed: 1 });
  assert.equal(ecgResnetParamCount(250, 3), longer.countParams());
  longer.dispose();
  assert.deepEqual(model.inputs[0]!.shape, [null, 187, 1]);
  assert.deepEqual(model.outputs[0]!.shape, [null, 5]);
  const layers = model.layers.map((l) => l.getClassName());
  assert.equal(layers.filter((c) => c === 'Conv1D').length, 11);
  assert.equal(layers.filter((c) => c === 'MaxPooling1D').length, 5);
  assert.equal(layers.filter((c) => c === 'Add').length, 5);
  assert.equal(layers.filter((c) => c === 'Dense').length, 3);
  assert.deepEqual(model.getLayer('flatten').outputShape, [null, 64]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'disposing the model frees all its weights');
  assert.throws(() => buildEcgResnet({ inputLength: 100, seed: 1 }), /at least 125 samples/);
  assert.throws(() => buildEcgResnet({ classes: 1, seed: 1 }), /at least 2 classes/);
});

test('two builds with the same seed have bit-identical weights, another seed differs', async () => {
  await initEngine('wasm');
  const before = tf.memory().numTensors;
  const a = buildEcgResnet({ seed: 7 });
  const b = buildEcgResnet({ seed: 7 });
  const c = buildEcgResnet({ seed: 8 });
  assert.ok(sameWeights(weightsOf(a), weightsOf(b)));
  assert.ok(!sameWeights(weightsOf(a), weightsOf(c)));
  // Every kernel differs from every other (each layer has its own derived seed), biases start at zero.
  const kernels = a.weights.filter((w) => w.name.endsWith('kernel')).map((w) => w.read().dataSync()[0]);
  assert.equal(new Set(kernels).size, kernels.length);
  // Same layer names (tfjs-layers suffixes the variable names of a second model in the same process).
  assert.deepEqual(
    a.layers.map((l) => l.name),
    b.layers.map((l) => l.name),
  );
  for (const m of [a, b, c]) m.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('the registry builds ecg-resnet for beat windows', async () => {
  await initEngine('wasm');
  const arch = ARCHITECTURES['ecg-resnet'];
  assert.ok(arch !== undefined);
  assert.deepEqual(arch.inputKinds, ['ecg-beat']);
  const model = arch.build({ sampleShape: [187, 1], classes: 4, seed: 3 });
  assert.deepEqual(model.outputs[0]!.shape, [null, 4]);
  assert.ok(
    sameWeights(weightsOf(model), weightsOf(buildEcgResnet({ inputLength: 187, classes: 4, seed: 3 }))),
  );
  model.dispose();
});

test('on wasm: seeded trainings are bit-identical, loss falls on real beats, and no tensor leaks', async () => {
  await initEngine('wasm');
  const first = await assertNoLeakAsync('train', () => trainBriefly(11, 3));
  const second = await assertNoLeakAsync('train again', () => trainBriefly(11, 3));
  assert.ok(sameWeights(first.weights, second.weights), 'same seed, same backend: identical weights');
  assert.deepEqual(first.losses, second.losses);
  assert.ok(first.losses.every(Number.isFinite));
  assert.ok(first.losses[2]! < first.losses[0]! * 0.8, `loss ${first.losses.join(' -> ')} should fall`);
  const other = await trainBriefly(12, 1);
  assert.ok(!sameWeights(first.weights, other.weights));
});

test('on cpu too: seeded trainings are bit-identical', async () => {
  // The pure-JS backend is slow (its filter gradient is a plain loop): a few beats are enough here.
  await initEngine('cpu');
  const first = await assertNoLeakAsync('train on cpu', () => trainBriefly(5, 1, 8));
  const second = await trainBriefly(5, 1, 8);
  assert.ok(sameWeights(first.weights, second.weights));
});
