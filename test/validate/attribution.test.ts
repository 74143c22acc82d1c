import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import { attribute } from '../../src-main/core/validate/attribution.js';
import { denseClassifier, prototypeTask, train, useCpuBackend } from './fixtures.js';

const SHAPE = [16, 1];
let model: tfl.LayersModel;

before(async () => {
  await useCpuBackend();
  model = denseClassifier(SHAPE, 3, 16, 4);
  const training = prototypeTask(300, 1);
  await train(model, training.inputs, SHAPE, training.labels, 3, 10);
});

function logProbability(input: Float32Array, c: number): number {
  return tf.tidy(() =>
    Math.log((model.predict(tf.tensor(input, [1, ...SHAPE])) as tf.Tensor).dataSync()[c] as number),
  );
}

test('Integrated Gradients add up to p(input) - p(baseline); saliency matches finite differences', () => {
  const task = prototypeTask(5, 9);
  const tensors = tf.memory().numTensors;
  for (let k = 0; k < 5; k++) {
    const input = task.inputs.slice(k * 16, (k + 1) * 16);
    const c = task.labels[k] as number;
    const a = attribute(model, input, SHAPE, c);
    const total = a.integratedGradients.reduce((s, v) => s + v, 0);
    assert.ok(
      Math.abs(total - (a.probability - a.baselineProbability)) < 5e-3,
      `sample ${k}: ${total} vs ${a.probability - a.baselineProbability}`,
    );
    assert.equal(a.completenessError, Math.abs(total - (a.probability - a.baselineProbability)));
    for (const j of [0, 7, 15]) {
      const h = 1e-2;
      const up = input.slice();
      const down = input.slice();
      up[j] = (up[j] as number) + h;
      down[j] = (down[j] as number) - h;
      const numeric = (logProbability(up, c) - logProbability(down, c)) / (2 * h);
      assert.ok(
        Math.abs(numeric - (a.saliency[j] as number)) < 2e-2 * Math.max(1, Math.abs(numeric)),
        `d/dx${j}: ${numeric} vs ${a.saliency[j]}`,
      );
    }
  }
  assert.equal(tf.memory().numTensors, tensors);
  const bad = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  bad(() => attribute(model, new Float32Array(5), SHAPE, 0), /does not have shape/);
  bad(() => attribute(model, new Float32Array(16), SHAPE, 3), /class 3 is not an output/);
  assert.equal(tf.memory().numTensors, tensors);
});
