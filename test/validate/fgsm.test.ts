import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import {
  DEFAULT_FGSM_EPSILONS,
  fgsmPerturb,
  fgsmSuite,
  fgsmSuiteAsync,
} from '../../src-main/core/validate/fgsm.js';
import { accuracyOf } from '../../src-main/core/metrics/metrics.js';
import { predictClasses } from '../../src-main/core/predict/predict.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { denseClassifier, gaussianNoise, train, useCpuBackend } from './fixtures.js';

// A simple synthetic task: 3 classes, each a fixed +-1 pattern over 16 samples plus Gaussian noise (sd 0.6).
const SHAPE = [16, 1];
const CLASSES = 3;

function makeTask(n: number, seed: number): { inputs: Float32Array; labels: Int32Array } {
  const pattern = seededRandom(1);
  const prototypes = Array.from({ length: CLASSES }, () =>
    Array.from({ length: 16 }, () => (pattern() < 0.5 ? -1 : 1)),
  );
  const random = seededRandom(seed);
  const noise = gaussianNoise(n * 16, 0.6, seed + 100);
  const labels = Int32Array.from({ length: n }, () => Math.floor(random() * CLASSES));
  const inputs = new Float32Array(n * 16);
  labels.forEach((label, i) => {
    for (let j = 0; j < 16; j++)
      inputs[i * 16 + j] = (prototypes[label]?.[j] as number) + (noise[i * 16 + j] as number);
  });
  return { inputs, labels };
}

let model: tfl.LayersModel;
const test1 = makeTask(300, 2);

before(async () => {
  await useCpuBackend();
  model = denseClassifier(SHAPE, CLASSES);
  const training = makeTask(600, 1);
  await train(model, training.inputs, SHAPE, training.labels, CLASSES, 15);
});

function crossEntropy(inputs: Float32Array, labels: Int32Array): Float32Array {
  return tf.tidy(() => {
    const probabilities = model.predict(tf.tensor(inputs, [labels.length, ...SHAPE])) as tf.Tensor;
    const truth = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
    return tf.neg(tf.sum(tf.mul(truth, tf.log(probabilities)), -1)).dataSync() as Float32Array;
  });
}

test('predictClasses is the arg-max of the model output, whatever the batch size, and frees its tensors', () => {
  const expected = tf.tidy(() =>
    tf.argMax(model.predict(tf.tensor(test1.inputs, [300, ...SHAPE])) as tf.Tensor, -1).dataSync(),
  );
  const baseline = tf.memory().numTensors;
  for (const batchSize of [1, 7, 300, 1000]) {
    assert.deepEqual(predictClasses(model, test1.inputs, SHAPE, batchSize), Int32Array.from(expected));
    assert.equal(tf.memory().numTensors, baseline, `batch ${batchSize}`);
  }
  assert.throws(() => predictClasses(model, test1.inputs.subarray(1), SHAPE), /do not divide into samples/);
  assert.throws(() => predictClasses(model, test1.inputs, SHAPE, 0), /batch size must be a positive integer/);
  assert.equal(tf.memory().numTensors, baseline);
});

test('FGSM accuracy falls with epsilon; epsilon 0 is the clean accuracy', () => {
  const clean = accuracyOf(test1.labels, predictClasses(model, test1.inputs, SHAPE));
  assert.ok(clean > 0.9, `the model learnt the task (clean accuracy ${clean})`);
  const baseline = tf.memory().numTensors;
  const result = fgsmSuite({
    model,
    inputs: test1.inputs,
    sampleShape: SHAPE,
    labels: test1.labels,
    classes: CLASSES,
    epsilons: [0, 0.05, 0.1, 0.2, 0.4, 0.8],
    batchSize: 64,
    unit: 'input units',
  });
  assert.equal(tf.memory().numTensors, baseline);
  assert.equal(result.unit, 'input units');
  assert.equal(result.n, 300);
  assert.equal(result.cleanAccuracy, clean);
  const [zero, ...rest] = result.points;
  assert.deepEqual(zero, { epsilon: 0, accuracy: clean, attackSuccessRate: 0 });
  let previous = clean;
  for (const point of rest) {
    assert.ok(
      point.accuracy <= previous + 0.01,
      `accuracy at ${point.epsilon} (${point.accuracy}) <= ${previous}`,
    );
    previous = point.accuracy;
    // Every flipped sample was right before: accuracy = clean accuracy * (1 - success rate) + gains (none here).
    assert.ok(point.accuracy >= clean * (1 - (point.attackSuccessRate as number)) - 1e-12);
  }
  const strongest = rest[rest.length - 1];
  assert.ok(
    (strongest?.accuracy as number) < clean - 0.3,
    `epsilon 0.8 hurts: ${strongest?.accuracy} vs ${clean}`,
  );
  assert.ok((strongest?.attackSuccessRate as number) > 0.3);
});

test('FGSM moves every input value by exactly epsilon, in the direction that raises the loss', () => {
  const baseline = tf.memory().numTensors;
  const epsilon = 0.1;
  const adversarial = fgsmPerturb({
    model,
    inputs: test1.inputs,
    sampleShape: SHAPE,
    labels: test1.labels,
    classes: CLASSES,
    epsilon,
    batchSize: 50,
  });
  assert.equal(tf.memory().numTensors, baseline);
  let moved = 0;
  for (let i = 0; i < adversarial.length; i++) {
    const step = Math.abs((adversarial[i] as number) - (test1.inputs[i] as number));
    if (step > 0) moved++;
    assert.ok(step === 0 || Math.abs(step - epsilon) < 1e-6, `value ${i} moved by ${step}`);
  }
  assert.ok(moved > 0.99 * adversarial.length, 'the gradient is non-zero almost everywhere');
  const before = crossEntropy(test1.inputs, test1.labels);
  const after = crossEntropy(adversarial, test1.labels);
  let raised = 0;
  for (let i = 0; i < before.length; i++) if ((after[i] as number) > (before[i] as number)) raised++;
  assert.ok(raised > 0.95 * before.length, `loss raised on ${raised} of ${before.length} samples`);
  // The suite's accuracy at this epsilon is the accuracy on these very inputs.
  const suite = fgsmSuite({
    model,
    inputs: test1.inputs,
    sampleShape: SHAPE,
    labels: test1.labels,
    classes: CLASSES,
    epsilons: [epsilon],
  });
  assert.equal(
    suite.points[0]?.accuracy,
    accuracyOf(test1.labels, predictClasses(model, adversarial, SHAPE)),
  );
});

test('FGSM results do not depend on the batch size; defaults are three epsilons', async () => {
  const options = { model, inputs: test1.inputs, sampleShape: SHAPE, labels: test1.labels, classes: CLASSES };
  const small = fgsmSuite({ ...options, batchSize: 7 });
  const large = fgsmSuite({ ...options, batchSize: 1000 });
  assert.deepEqual(small, large);
  assert.deepEqual(
    small.points.map((p) => p.epsilon),
    DEFAULT_FGSM_EPSILONS,
  );
  assert.equal(small.unit, 'model input units');
  const progress: number[] = [];
  const asynchronous = await fgsmSuiteAsync(
    { ...options, batchSize: 100 },
    {
      signal: new AbortController().signal,
      progress: (fraction) => progress.push(fraction),
      log: () => undefined,
    },
  );
  assert.deepEqual(asynchronous, small);
  assert.deepEqual(progress, [1 / 3, 2 / 3, 1]);
});

test('a cancelled FGSM run stops with CANCELLED and leaks no tensor', async () => {
  const baseline = tf.memory().numTensors;
  const controller = new AbortController();
  const context = { signal: controller.signal, progress: () => controller.abort(), log: () => undefined };
  await assert.rejects(
    fgsmSuiteAsync(
      {
        model,
        inputs: test1.inputs,
        sampleShape: SHAPE,
        labels: test1.labels,
        classes: CLASSES,
        batchSize: 10,
      },
      context,
    ),
    (error: unknown) => error instanceof AttestError && error.code === 'CANCELLED',
  );
  assert.equal(tf.memory().numTensors, baseline);
});

test('FGSM refuses bad input', () => {
  const options = { model, inputs: test1.inputs, sampleShape: SHAPE, labels: test1.labels, classes: CLASSES };
  assert.throws(() => fgsmSuite({ ...options, epsilons: [-0.1] }), /epsilon must be a finite number >= 0/);
  assert.throws(() => fgsmSuite({ ...options, epsilons: [] }), /at least one epsilon/);
  assert.throws(
    () => fgsmSuite({ ...options, labels: test1.labels.subarray(1) }),
    /300 samples but 299 labels/,
  );
  assert.throws(() => fgsmSuite({ ...options, labels: test1.labels.map(() => 3) }), /label 3 at sample 0/);
});
