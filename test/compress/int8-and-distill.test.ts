import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, tfl } from '../../src-main/core/engine/tf.js';
import {
  fakeQuantActivation,
  quantParams,
  WeightFakeQuant,
  quantizableKernels,
} from '../../src-main/core/compress/fake-quant.js';
import {
  calibrateActivationRanges,
  INPUT_RANGE_KEY,
  predictClasses,
} from '../../src-main/core/compress/simulate-int8.js';
import { int8SensitivityScan } from '../../src-main/core/compress/int8-sensitivity.js';
import {
  adversarialPoint,
  attentionTransfer,
  fineTune,
  softenedKl,
  stopGradient,
} from '../../src-main/core/compress/fine-tune.js';
import { matchingFeatureLayers } from '../../src-main/core/compress/compress-fine-tune.js';
import { thinStudent } from '../../src-main/core/compress/structural-steps.js';
import { BEAT_LENGTH, buildResidualModel, buildSmallModel, loadBeats, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

test('fake quantization: 256 levels over the range widened to zero, zero exact, straight-through gradient', () => {
  const { scale, zeroPoint } = quantParams({ min: 0.5, max: 2.55 });
  assert.equal(zeroPoint, 0, 'the range is widened to contain 0');
  assert.ok(Math.abs(scale - 0.01) < 1e-12);
  const x = tf.tensor1d([-1, 0, 0.004, 0.006, 1.234, 3]);
  const y = fakeQuantActivation(x, { min: 0, max: 2.55 });
  const values = Array.from(y.dataSync(), (v) => v + 0);
  [0, 0, 0, 0.01, 1.23, 2.55].forEach((v, i) =>
    assert.ok(Math.abs((values[i] as number) - v) < 1e-6, `${i}: ${values[i]}`),
  );
  // Gradient 1 inside the range, 0 where the value was clipped.
  const grad = tf.grad((t: tf.Tensor) => tf.sum(fakeQuantActivation(t, { min: 0, max: 2.55 })))(x);
  assert.deepEqual(
    Array.from(grad.dataSync(), (v) => v + 0),
    [0, 1, 1, 1, 1, 0],
  );
  const stopped = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(stopGradient(t), t)))(x);
  assert.deepEqual(Array.from(stopped.dataSync()), Array.from(x.dataSync()), 'd/dt [sg(t) * t] = sg(t)');
  for (const t of [x, y, grad, stopped]) t.dispose();
});

test('calibrated simulated int8 inference agrees with float on real beats; WeightFakeQuant swaps and restores', () => {
  const model = buildSmallModel();
  const { x, labels } = loadBeats();
  const inputs = x.dataSync() as Float32Array;
  const ranges = calibrateActivationRanges(model, inputs, [BEAT_LENGTH, 1]);
  assert.ok(ranges[INPUT_RANGE_KEY] !== undefined);
  const conv = model.layers[0]?.name as string;
  assert.ok((ranges[conv]?.min as number) >= 0, 'relu output');
  const baseline = tf.memory().numTensors;
  const float = predictClasses(model, inputs, [BEAT_LENGTH, 1]);
  const int8 = predictClasses(model, inputs, [BEAT_LENGTH, 1], { ranges });
  assert.equal(tf.memory().numTensors, baseline);
  const agree = float.filter((c, i) => c === int8[i]).length / float.length;
  assert.ok(agree > 0.95, `int8 agrees with float on ${agree}`);
  assert.equal(labels.length, float.length);
  const kernels = quantizableKernels(model);
  const before = kernels.map((k) => Array.from(k.read().dataSync()));
  const fake = new WeightFakeQuant(kernels);
  fake.swapIn();
  const during = kernels.map((k) => Array.from(k.read().dataSync()));
  assert.notDeepEqual(during, before, 'int8 values while the gradient is computed');
  fake.swapOut();
  assert.deepEqual(
    kernels.map((k) => Array.from(k.read().dataSync())),
    before,
    'float shadows restored exactly',
  );
  assert.equal(tf.memory().numTensors, baseline);
  x.dispose();
  model.dispose();
});

test('the sensitivity scan names the layer int8 breaks, in plain words, and spares the others', () => {
  const model = buildSmallModel();
  const { x, labels } = loadBeats();
  const inputs = x.dataSync() as Float32Array;
  const data = { inputs, labels, classes: ['N', 'V'], sampleShape: [BEAT_LENGTH, 1] };
  // Train briefly so that the model is accurate, then plant one huge weight per output channel of the dense
  // kernel: per-channel int8 then rounds every other weight of that channel to 0.
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return (async () => {
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    await model.fit(x, y, { epochs: 15, batchSize: 32, shuffle: false, verbose: 0 });
    y.dispose();
    const dense = model.layers[2] as tfl.layers.Layer;
    const [kernel, bias] = dense.getWeights() as [tf.Tensor, tf.Tensor];
    const planted = tf.tidy(() => {
      const values = kernel.arraySync() as number[][];
      const last = values.length - 1;
      // The last flattened input (a ReLU output at the very end of the beat) gets a weight of 500 in each
      // channel: the float model still classifies these beats (asserted below), but the per-channel int8 scale
      // becomes 500 / 127 and every ordinary weight of the dense kernel rounds to 0.
      (values[last] as number[])[0] = 500;
      (values[last] as number[])[1] = -500;
      return tf.tensor2d(values);
    });
    dense.setWeights([planted, bias]);
    const ranges = calibrateActivationRanges(model, inputs, [BEAT_LENGTH, 1]);
    const scan = int8SensitivityScan(model, ranges, data);
    const denseScan = scan.layers.find((l) => l.layer === dense.name);
    const convScan = scan.layers.find((l) => l.layer !== dense.name);
    assert.ok(denseScan !== undefined && convScan !== undefined);
    assert.ok(scan.float.macroF1 > 0.9, JSON.stringify(scan.float));
    assert.ok(scan.float.macroF1 - scan.int8.macroF1 > 0.3, JSON.stringify(scan));
    assert.ok(denseScan.keepFloat && denseScan.aloneDrop > 30, JSON.stringify(scan));
    assert.ok(!convScan.keepFloat && Math.abs(convScan.aloneDrop) < 1, JSON.stringify(scan));
    assert.deepEqual(scan.keepFloat, [dense.name]);
    assert.ok(
      scan.advice.some((a) => a.startsWith(`Keep ${dense.name} in float`)),
      scan.advice.join('\n'),
    );
    assert.ok(scan.advice.includes(`Recipe: quant:int8:float=${dense.name}`));
    planted.dispose();
    x.dispose();
    model.optimizer.dispose();
    model.dispose();
  })();
});

test('distillation losses: KL zero for identical outputs and scaled by T^2; attention transfer; FGSM in the ball', () => {
  const p = tf.tensor2d([
    [0.7, 0.2, 0.1],
    [0.1, 0.1, 0.8],
  ]);
  const q = tf.tensor2d([
    [0.4, 0.4, 0.2],
    [0.3, 0.3, 0.4],
  ]);
  assert.ok(Math.abs(softenedKl(p, p, 4).dataSync()[0] as number) < 1e-6);
  const k1 = softenedKl(p, q, 1).dataSync()[0] as number;
  // At T = 1: plain KL(p || q) averaged over the batch.
  const expected =
    (0.7 * Math.log(0.7 / 0.4) +
      0.2 * Math.log(0.2 / 0.4) +
      0.1 * Math.log(0.1 / 0.2) +
      (0.1 * Math.log(0.1 / 0.3) + 0.1 * Math.log(0.1 / 0.3) + 0.8 * Math.log(0.8 / 0.4))) /
    2;
  assert.ok(Math.abs(k1 - expected) < 1e-5, `${k1} vs ${expected}`);
  const f = tf.randomNormal([2, 10, 4], 0, 1, 'float32', 1);
  assert.ok((attentionTransfer(f, f).dataSync()[0] as number) < 1e-10);
  assert.ok((attentionTransfer(f, tf.mul(f, 3)).dataSync()[0] as number) < 1e-10, 'scale invariant');
  assert.ok(
    (attentionTransfer(f, tf.randomNormal([2, 10, 7], 0, 1, 'float32', 2)).dataSync()[0] as number) > 1e-3,
    'channel counts may differ',
  );
  const x = tf.randomNormal([3, 5], 0, 1, 'float32', 3);
  for (const steps of [1, 4]) {
    const xAdv = adversarialPoint(x, { epsilon: 0.05, steps }, (input) => tf.sum(tf.square(input)));
    const moved = tf.max(tf.abs(tf.sub(xAdv, x))).dataSync()[0] as number;
    assert.ok(moved <= 0.05 + 1e-6 && moved > 0.04, `steps ${steps}: moved ${moved}`);
  }
  tf.disposeVariables();
});

test('a thin student distilled from its teacher (hard labels, soft targets, attention transfer, ARD) learns', async () => {
  const teacher = buildResidualModel();
  const student = await thinStudent(teacher, 0.5);
  assert.ok(student.countParams() < teacher.countParams());
  const layers = matchingFeatureLayers(student, teacher);
  assert.deepEqual(
    layers.map((name) => teacher.getLayer(name).getClassName()),
    ['ReLU', 'Add'],
  );
  const { x, labels } = loadBeats();
  const inputs = x.dataSync() as Float32Array;
  const accuracy = (p: Int32Array): number => p.filter((c, i) => c === labels[i]).length / labels.length;
  const before = accuracy(predictClasses(student, inputs, [BEAT_LENGTH, 1]));
  const baseline = tf.memory().numTensors;
  const result = await fineTune({
    model: student,
    inputs,
    labels,
    sampleShape: [BEAT_LENGTH, 1],
    classes: 2,
    epochs: 4,
    batchSize: 32,
    learningRate: 1e-2,
    seed: 1,
    signal: new AbortController().signal,
    distillation: { teacher, temperature: 4, alpha: 0.5, features: 10, featureLayers: layers },
    adversarial: { epsilon: 0.01, steps: 2 },
  });
  assert.equal(tf.memory().numTensors, baseline, 'no tensor leaks across the steps');
  assert.equal(result.steps, 4 * Math.ceil(labels.length / 32));
  assert.ok(Number.isFinite(result.lastLoss));
  const after = accuracy(predictClasses(student, inputs, [BEAT_LENGTH, 1]));
  // Hard labels carry the student even from an untrained teacher: it must do clearly better than before.
  assert.ok(after >= 0.8 && after > before, `${before} -> ${after}`);
  x.dispose();
  teacher.dispose();
  student.dispose();
});
