import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import {
  dequantizeSymmetricPerChannel,
  quantizeSymmetricPerChannel,
} from '../../src-main/core/models/weights/quantize-int8.js';
import { buildSmallModel, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

/** Checks the per-element error bound and the exact-zero rule for one quantized tensor. */
function checkRoundTrip(values: Float32Array, shape: number[], axis?: number): void {
  const rank = shape.length;
  const channelAxis = axis === undefined ? rank - 1 : axis < 0 ? rank + axis : axis;
  const inner = shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const channels = shape[channelAxis] as number;
  const { q, scales } = quantizeSymmetricPerChannel(values, shape, axis);
  assert.equal(q.length, values.length);
  assert.equal(scales.length, channels);
  const restored = dequantizeSymmetricPerChannel(q, scales, shape, axis);
  const maxAbs = new Float64Array(channels);
  values.forEach((v, i) => {
    const c = Math.floor(i / inner) % channels;
    maxAbs[c] = Math.max(maxAbs[c] as number, Math.abs(v));
  });
  for (let c = 0; c < channels; c++) assert.equal(scales[c], Math.fround((maxAbs[c] as number) / 127));
  values.forEach((v, i) => {
    const scale = scales[Math.floor(i / inner) % channels] as number;
    const error = Math.abs(v - (restored[i] as number));
    // scale / 2 from rounding, plus float32 rounding of the product itself.
    assert.ok(error <= scale / 2 + Math.abs(v) * 2 ** -23, `element ${i}: error ${error} > ${scale / 2}`);
    assert.ok(Math.abs(q[i] as number) <= 127);
    if (v === 0) {
      assert.equal(q[i], 0);
      assert.ok(Object.is(restored[i], 0), 'zero stays exactly +0');
    }
  });
}

test('quantization error is at most scale/2 per element on real kernels, zeros stay exactly zero', () => {
  const model = buildSmallModel();
  for (const weight of model.weights) {
    if (weight.shape.length < 2) continue;
    const shape = weight.shape as number[];
    const values = Float32Array.from(weight.read().dataSync() as Float32Array);
    checkRoundTrip(values, shape);
    // Prune half of it by hand: the zeros must survive int8 exactly.
    const pruned = values.map((v, i) => (i % 2 === 0 ? 0 : v));
    checkRoundTrip(pruned, shape);
    const { q } = quantizeSymmetricPerChannel(pruned, shape);
    assert.equal(
      q.filter((level) => level === 0).length >= pruned.length / 2,
      true,
      'at least the pruned half is zero in int8',
    );
  }
  model.dispose();
});

test('per-channel scales follow the channel axis, including a middle axis and an all-zero channel', () => {
  // shape [2, 3, 2], channel axis 1: channel 1 is all zero, channel 2 holds the extremes.
  const values = Float32Array.from([0.5, -0.25, 0, 0, 10, -20, -1, 0.125, 0, 0, 3, 7]);
  checkRoundTrip(values, [2, 3, 2], 1);
  const { q, scales } = quantizeSymmetricPerChannel(values, [2, 3, 2], 1);
  assert.equal(scales[1], 0, 'the all-zero channel has scale 0');
  assert.deepEqual(Array.from(q.slice(2, 4)), [0, 0]);
  assert.equal(q[5], -127, 'the largest magnitude maps to the end of the range');
  assert.equal(q[0], Math.round(0.5 / (scales[0] as number)));
  assert.deepEqual(Array.from(dequantizeSymmetricPerChannel(q, scales, [2, 3, 2], 1).slice(8, 10)), [0, 0]);
  // Last axis by default and by -1.
  checkRoundTrip(values, [6, 2]);
  assert.deepEqual(
    quantizeSymmetricPerChannel(values, [6, 2], -1),
    quantizeSymmetricPerChannel(values, [6, 2]),
  );
  // An all-zero tensor stays all zero.
  const zeros = new Float32Array(12);
  assert.deepEqual(
    dequantizeSymmetricPerChannel(quantizeSymmetricPerChannel(zeros, [3, 4]).q, new Float32Array(4), [3, 4]),
    zeros,
  );
});

test('quantization refuses non-finite values and inconsistent shapes', () => {
  assert.throws(
    () => quantizeSymmetricPerChannel(Float32Array.from([1, NaN]), [1, 2]),
    /non-finite weight \(NaN\) at element 1/,
  );
  assert.throws(
    () => quantizeSymmetricPerChannel(new Float32Array(5), [2, 3]),
    /shape \[2, 3\] has 6 elements but the array has 5/,
  );
  assert.throws(() => quantizeSymmetricPerChannel(new Float32Array(6), [2, 3], 2), /axis 2 is out of range/);
  assert.throws(
    () => dequantizeSymmetricPerChannel(new Int8Array(6), new Float32Array(2), [2, 3]),
    /expected 3 scales for shape \[2, 3\], got 2/,
  );
});
