import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkLeakage,
  leakThreshold,
  nearestNeighbourDistances,
} from '../../src-main/core/generative/leak-check.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { mammogramPatches } from './patches.js';

const SIZE = 16 * 16;
const training = mammogramPatches(120, 16, 1).pixels;
const heldOut = mammogramPatches(40, 16, 2).pixels;

test('nearest-neighbour distances are exact RMS distances to the closest reference', () => {
  const references = Float32Array.from([0, 0, 1, 1, 0.5, 0.5]);
  const queries = Float32Array.from([0.1, 0.1, 0.9, 1, 0.5, 0.4]);
  const d = nearestNeighbourDistances(queries, references, 2);
  assert.ok(Math.abs((d[0] as number) - 0.1) < 1e-6);
  assert.ok(Math.abs((d[1] as number) - Math.sqrt(0.01 / 2)) < 1e-6);
  assert.ok(Math.abs((d[2] as number) - Math.sqrt(0.01 / 2)) < 1e-6);
});

test('a generator that hands back training images fails the leak check, even with noise or a brightness change', () => {
  const random = createRng(5);
  // 200 "synthetic" patches that are training patches with invisible noise.
  const copies = new Float32Array(200 * SIZE);
  for (let k = 0; k < 200; k++)
    for (let j = 0; j < SIZE; j++)
      copies[k * SIZE + j] = (training[(k % 120) * SIZE + j] as number) + (random() - 0.5) / 1000;
  const copied = checkLeakage({ training, heldOut, synthetic: copies, size: SIZE });
  assert.equal(copied.verdict, 'leak');
  const pixels = copied.spaces.find((s) => s.space === 'pixels');
  assert.equal(pixels?.belowRealP1, 1);
  assert.equal(pixels?.nearCopies, 200);
  // A copy's nearest image is its original whenever that is in the training subset compared with held-out.
  assert.ok((pixels?.closerToTraining ?? 0) > 0.55);
  assert.match(copied.summary, /^Leak: 100\.0% of the 200 synthetic patches/);
  assert.match(copied.summary, /reproduces training images/);
  // Brighter, lower-contrast copies are far in pixels but still copies once each image is standardized.
  const shifted = Float32Array.from(copies, (v) => 0.45 + 0.5 * v);
  const result = checkLeakage({ training, heldOut, synthetic: shifted, size: SIZE });
  assert.equal(result.spaces.find((s) => s.space === 'pixels')?.leaks, false);
  assert.equal(result.spaces.find((s) => s.space === 'standardized')?.belowRealP1, 1);
  assert.equal(result.verdict, 'leak');
  assert.equal(result.spaces.find((s) => s.space === 'standardized')?.nearCopies, 200);
  assert.match(result.summary, /after standardizing each image/);
  assert.match(result.summary, /200 are copies up to 8-bit rounding or a brightness and contrast change/);
});

test('noise and new images of the same kind pass the leak check', () => {
  const random = createRng(9);
  const noise = Float32Array.from({ length: 200 * SIZE }, () => random());
  const fromNoise = checkLeakage({ training, heldOut, synthetic: noise, size: SIZE });
  assert.equal(fromNoise.verdict, 'no-leak');
  assert.equal(fromNoise.spaces[0]?.belowRealP5, 0);
  assert.ok((fromNoise.spaces[0]?.medianRatio ?? 0) > 1.5);
  assert.match(fromNoise.summary, /may not look like the data/);
  // An ideal generator: fresh patches from the same process as the training ones.
  const fresh = mammogramPatches(200, 16, 3).pixels;
  const ideal = checkLeakage({ training, heldOut, synthetic: fresh, size: SIZE });
  assert.equal(ideal.verdict, 'no-leak', ideal.summary);
  const pixels = ideal.spaces[0];
  assert.ok(
    pixels !== undefined && pixels.medianRatio > 0.8 && pixels.medianRatio < 1.25,
    String(pixels?.medianRatio),
  );
  assert.ok((pixels?.belowRealP5 ?? 1) <= ideal.thresholds.belowP5);
  assert.ok(Math.abs((pixels?.closerToTraining ?? 0) - 0.5) < 0.15, String(pixels?.closerToTraining));
});

test('smooth patches that copy nothing are flagged, and the summary says to inspect them rather than that they copy', () => {
  // Averages of 8 fresh patches: smoother than any real patch, so near every real image, seen or not.
  const pool = mammogramPatches(400, 16, 3).pixels;
  const smooth = new Float32Array(200 * SIZE);
  for (let k = 0; k < 200; k++)
    for (let j = 0; j < SIZE; j++) {
      let sum = 0;
      for (let m = 0; m < 8; m++) sum += pool[((k * 8 + m) % 400) * SIZE + j] as number;
      smooth[k * SIZE + j] = sum / 8;
    }
  const result = checkLeakage({ training, heldOut, synthetic: smooth, size: SIZE });
  assert.equal(result.verdict, 'leak');
  assert.equal(result.spaces[0]?.nearCopies, 0);
  assert.ok((result.spaces[0]?.medianRatio ?? 1) < 1);
  assert.match(result.summary, /inspect them before using or sharing them/);
  assert.doesNotMatch(result.summary, /reproduces training images/);
});

test('leak check thresholds and bad input', () => {
  assert.ok(Math.abs(leakThreshold(0.05, 500) - (0.1 + 3 * Math.sqrt((0.05 * 0.95) / 500))) < 1e-12);
  assert.throws(
    () => checkLeakage({ training, heldOut: heldOut.subarray(0, 10 * SIZE), synthetic: heldOut, size: SIZE }),
    /at least 20 held-out real images/,
  );
  assert.throws(
    () => checkLeakage({ training, heldOut, synthetic: new Float32Array(SIZE + 3), size: SIZE }),
    /whole images/,
  );
});
