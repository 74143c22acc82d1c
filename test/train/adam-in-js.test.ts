import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { AdamInJs } from '../../src-main/core/train/adam-in-js.js';

test('Adam in JS takes the steps tf.train.adam takes', async () => {
  await initEngine('wasm');
  const initial = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const variable = tf.variable(tf.tensor1d(initial));
  const optimizer = tf.train.adam(0.01, 0.9, 0.999);
  const ours = AdamInJs.from(optimizer, [50]);
  assert.ok(ours !== undefined);
  const weights = [initial.slice()];
  try {
    for (let step = 1; step <= 6; step++) {
      const gradient = Float32Array.from(
        { length: 50 },
        (_, i) => Math.cos(i * step) * (i % 3 === 0 ? 10 : 0.01),
      );
      tf.tidy(() => optimizer.applyGradients([{ name: variable.name, tensor: tf.tensor1d(gradient) }]));
      ours.step(weights, [gradient]);
      const expected = variable.dataSync();
      weights[0]?.forEach((w, i) =>
        assert.ok(Math.abs(w - (expected[i] as number)) < 1e-5, `step ${step} weight ${i}`),
      );
    }
    assert.equal(AdamInJs.from(tf.train.sgd(0.1), [50]), undefined, 'another optimizer is left to TF.js');
  } finally {
    variable.dispose();
    optimizer.dispose();
  }
});
