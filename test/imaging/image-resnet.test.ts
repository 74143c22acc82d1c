import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { exportOnnx } from '../../src-main/core/models/onnx/export-onnx.js';
import { EXPORT_TOLERANCE } from '../../src-main/core/models/onnx/check-export.js';
import { maxAbsDifference, ortOutput } from '../onnx/onnx-helpers.js';

const SIZE = 32;

/**
 * Generated images a network must look at the whole image to tell apart: horizontal (class 0) or vertical
 * (class 1) stripes of random period and phase under pixel noise, with a random brightness. One pixel or the
 * mean intensity says nothing about the class.
 */
function stripes(count: number, seed: number): { x: Float32Array; y: Int32Array } {
  const random = createRng(seed);
  const x = new Float32Array(count * SIZE * SIZE);
  const y = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % 2;
    y[n] = label;
    const period = 4 + random() * 6;
    const phase = random() * 2 * Math.PI;
    const offset = random() - 0.5;
    for (let r = 0; r < SIZE; r++)
      for (let c = 0; c < SIZE; c++) {
        const along = label === 0 ? r : c;
        x[n * SIZE * SIZE + r * SIZE + c] =
          offset + Math.sin((2 * Math.PI * along) / period + phase) + 0.5 * (random() * 2 - 1);
      }
  }
  return { x, y };
}

function predictions(model: tfl.LayersModel, x: Float32Array, count: number): Float32Array {
  return tf.tidy(
    () => (model.predict(tf.tensor4d(x, [count, SIZE, SIZE, 1])) as tf.Tensor).dataSync() as Float32Array,
  );
}

function accuracy(probabilities: Float32Array, y: Int32Array): number {
  let right = 0;
  y.forEach((label, n) => {
    const predicted = (probabilities[2 * n + 1] as number) > (probabilities[2 * n] as number) ? 1 : 0;
    if (predicted === label) right++;
  });
  return right / y.length;
}

/** The batch-norm running averages of a model, flattened (they start at mean 0 and variance 1). */
function runningAverages(model: tfl.LayersModel): number[] {
  return model.weights
    .filter((w) => /moving_(mean|variance)/.test(w.originalName))
    .flatMap((w) => Array.from(w.read().dataSync()));
}

for (const arch of ['resnet-small', 'resnet18', 'mobilenet-student']) {
  test(`${arch} trains from scratch (loss falls, held-out accuracy above the majority class); its batch norm survives save/load, int8 and ONNX export`, async () => {
    await initEngine('wasm');
    const train = stripes(128, 1);
    const held = stripes(64, 2);
    const model = ARCHITECTURES[arch]?.build({ sampleShape: [SIZE, SIZE, 1], classes: 2, seed: 3 });
    assert.ok(model !== undefined, arch);
    assert.ok(
      model.layers.some((l) => l.getClassName() === 'BatchNormalization'),
      `${arch} has batch norm`,
    );
    assert.ok(
      model.layers.some((l) => l.getClassName() === 'Add'),
      `${arch} has residual connections`,
    );
    const optimizer = tf.train.adam(3e-3);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const xs = tf.tensor4d(train.x, [128, SIZE, SIZE, 1]);
    const ys = tf.oneHot(tf.tensor1d(train.y, 'int32'), 2);
    const history = await model.fit(xs, ys, { epochs: 6, batchSize: 16, shuffle: false, verbose: 0 });
    xs.dispose();
    ys.dispose();
    const losses = history.history['loss'] as number[];
    assert.ok(
      (losses.at(-1) as number) < 0.8 * (losses[0] as number),
      `${arch}: loss ${losses.map((l) => l.toFixed(3)).join(' ')}`,
    );
    // Balanced classes: the majority class is right on half of the held-out images.
    const parentProbabilities = predictions(model, held.x, 64);
    const parentAccuracy = accuracy(parentProbabilities, held.y);
    assert.ok(parentAccuracy >= 0.75, `${arch}: held-out accuracy ${parentAccuracy}`);
    // Training moved the running averages away from their start, and predictions use them (inference mode).
    assert.ok(
      runningAverages(model).some((v) => v !== 0 && v !== 1),
      `${arch}: running averages moved`,
    );

    // Save/load: the stored artifact answers exactly as the model did.
    const { model: loaded } = await decodeModelArtifact(await encodeModelArtifact(model, { meta: {} }), arch);
    assert.deepEqual(runningAverages(loaded), runningAverages(model));
    const reloaded = predictions(loaded, held.x, 64);
    assert.ok(maxAbsDifference(reloaded, parentProbabilities) < 1e-5, `${arch}: reloaded model differs`);

    // int8 child: kernels rounded per channel, batch norm kept in float; it still separates the classes.
    const { model: child } = await decodeModelArtifact(await encodeModelArtifact(model, { weights: 'int8' }));
    const childProbabilities = predictions(child, held.x, 64);
    assert.ok(
      maxAbsDifference(childProbabilities, parentProbabilities) > 0,
      `${arch}: the child has rounded weights`,
    );
    const childAccuracy = accuracy(childProbabilities, held.y);
    assert.ok(
      childAccuracy >= parentAccuracy - 0.05,
      `${arch}: int8 child ${childAccuracy} vs parent ${parentAccuracy}`,
    );

    // ONNX: the trained model (batch norm with its running averages) runs the same in ONNX Runtime.
    const exported = await ortOutput(
      exportOnnx(model),
      Float64Array.from(held.x.subarray(0, 8 * SIZE * SIZE)),
      [8, SIZE, SIZE, 1],
    );
    const difference = maxAbsDifference(exported, parentProbabilities.subarray(0, 16));
    assert.ok(difference < EXPORT_TOLERANCE, `${arch}: ONNX Runtime vs TF.js ${difference}`);
    for (const m of [model, loaded, child]) m.dispose();
    optimizer.dispose();
  });
}

test('resnet18 and resnet-small: seeded, 28 to 128 px (the stem downsamples large images), bad shapes refused', () => {
  for (const arch of ['resnet18', 'resnet-small']) {
    const architecture = ARCHITECTURES[arch];
    assert.ok(architecture !== undefined);
    assert.deepEqual(architecture.inputKinds, ['image']);
    const weights = (m: tfl.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    const a = architecture.build({ sampleShape: [28, 28, 1], classes: 2, seed: 7 });
    const b = architecture.build({ sampleShape: [28, 28, 1], classes: 2, seed: 7 });
    const c = architecture.build({ sampleShape: [28, 28, 1], classes: 2, seed: 8 });
    assert.deepEqual(weights(a), weights(b), `${arch} is seeded`);
    assert.notDeepEqual(weights(a), weights(c));
    // Parameters do not depend on the image size; the last feature map stays a few pixels wide.
    const large = architecture.build({ sampleShape: [128, 128, 3], classes: 2, seed: 7 });
    const pooled = large.getLayer('pool').input as tfl.SymbolicTensor;
    assert.ok(
      (pooled.shape[1] as number) <= 8 && (pooled.shape[1] as number) >= 2,
      `${arch}: ${pooled.shape}`,
    );
    const first = a.getLayer('pool').input as tfl.SymbolicTensor;
    assert.ok((first.shape[1] as number) >= 2, `${arch} at 28 px: ${first.shape}`);
    for (const m of [a, b, c, large]) m.dispose();
    assert.throws(
      () => architecture.build({ sampleShape: [8, 8, 1], classes: 2, seed: 1 }),
      /16 to 512 px images/,
    );
    assert.throws(() => architecture.build({ sampleShape: [187, 1], classes: 2, seed: 1 }), /reads images/);
  }
});
