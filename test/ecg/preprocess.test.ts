import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standardizeBeats } from '../../src-main/core/data/ecg/preprocess.js';

test('each window gets mean 0 and standard deviation 1; a flat window stays finite', () => {
  const length = 4;
  const windows = Float32Array.from([1, 2, 3, 4, 10, 10, 10, 10, -2, 0, 2, 0]);
  const out = standardizeBeats(windows, length);
  assert.notEqual(out, windows);
  for (let k = 0; k < 3; k++) {
    const w = Array.from(out.subarray(k * length, (k + 1) * length));
    const mean = w.reduce((s, v) => s + v, 0) / length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / length);
    assert.ok(Math.abs(mean) < 1e-6, `window ${k} mean ${mean}`);
    if (k !== 1) assert.ok(Math.abs(std - 1) < 1e-5, `window ${k} std ${std}`);
  }
  assert.deepEqual(Array.from(out.subarray(4, 8)), [0, 0, 0, 0]);
  // Population std of [1,2,3,4] is sqrt(1.25): the first value is -1.5 / (sqrt(1.25) + 1e-6).
  assert.ok(Math.abs(out[0]! - -1.5 / (Math.sqrt(1.25) + 1e-6)) < 1e-6);
  assert.equal(windows[0], 1); // input untouched
  assert.throws(() => standardizeBeats(new Float32Array(5), 4), RangeError);
});
