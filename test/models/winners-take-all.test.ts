import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { WinnersTakeAll } from '../../src-main/core/models/winners-take-all.js';
import { buildEcgResnet } from '../../src-main/core/models/ecg-resnet.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { activationSparsity } from '../../src-main/core/models/activation-sparsity.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';

before(async () => {
  await initEngine('wasm');
});

test("winners-take-all keeps each sample's largest activations and passes gradients through them only", () => {
  const layer = new WinnersTakeAll({ keep: 0.25 });
  const random = seededRandom(1);
  const values = Float32Array.from({ length: 2 * 8 * 4 }, () => random());
  const x = tf.tensor(values, [2, 8, 4]);
  const baseline = tf.memory().numTensors;
  const y = layer.apply(x) as tf.Tensor;
  const out = y.dataSync();
  for (let b = 0; b < 2; b++) {
    const sample = Array.from(values.subarray(b * 32, (b + 1) * 32));
    const threshold = [...sample].sort((p, q) => q - p)[7] as number;
    sample.forEach((v, i) => assert.equal(out[b * 32 + i], v >= threshold ? v : 0, `sample ${b} value ${i}`));
  }
  const gradient = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, 3)))(x);
  Array.from(gradient.dataSync()).forEach((g, i) => assert.equal(g, out[i] === 0 ? 0 : 3));
  y.dispose();
  gradient.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  x.dispose();
  assert.throws(() => new WinnersTakeAll({ keep: 0 }), /fraction/);
});

test('ecg-resnet with winners-take-all: stored and reloaded, trained with a replica, sparser than the plain one', async () => {
  const wta = buildEcgResnet({ inputLength: 187, classes: 3, seed: 1, winnersTakeAll: 0.25 });
  const plain = buildEcgResnet({ inputLength: 187, classes: 3, seed: 1 });
  const random = seededRandom(2);
  const inputs = Float32Array.from({ length: 96 * 187 }, () => random() * 2 - 1);
  try {
    const { model: reloaded } = await decodeModelArtifact(
      await encodeModelArtifact(wta, { meta: {} }),
      'wta',
    );
    const x = tf.tensor(inputs.subarray(0, 8 * 187), [8, 187, 1]);
    const [a, b] = [wta, reloaded].map((m) => (m.predict(x) as tf.Tensor).dataSync());
    assert.deepEqual(a, b);
    x.dispose();
    reloaded.dispose();

    const optimizer = tf.train.adam(1e-3);
    wta.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const run = await fitEpochs({
      model: wta,
      inputs,
      labels: Int32Array.from({ length: 96 }, (_, i) => i % 3),
      sampleShape: [187, 1],
      classes: 3,
      epochs: 1,
      batchSize: 32,
      seed: 1,
      signal: new AbortController().signal,
      replicas: 1,
    });
    assert.equal(run.replicas, 1, 'the worker replica rebuilt the custom layer');
    optimizer.dispose();

    const sparse = activationSparsity(wta, inputs, [187, 1]);
    const dense = activationSparsity(plain, inputs, [187, 1]);
    for (const layer of sparse.layers.filter((l) => l.className === 'WinnersTakeAll'))
      // Ties at the threshold (overlapping pooling windows repeat values) may keep a few more.
      assert.ok(layer.zeroFraction >= 0.74, `${layer.name}: ${layer.zeroFraction}`);
    assert.equal(sparse.denseMacs, dense.denseMacs, 'the same convolutions and dense layers');
    assert.ok(
      sparse.effectiveMacs < 0.7 * dense.effectiveMacs,
      `${sparse.effectiveMacs} vs ${dense.effectiveMacs}`,
    );
    assert.ok(sparse.overallZeroFraction > dense.overallZeroFraction);
  } finally {
    wta.dispose();
    plain.dispose();
  }
});
