import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  augmentImage,
  classicAugmenter,
  CLASSIC_DEFAULTS,
  type ClassicAugmentation,
} from '../../src-main/core/augment/classic-augmentation.js';
import { parseAugment } from '../../src-main/core/augment/augment-spec.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { mammogramPatches } from './patches.js';

const NONE: ClassicAugmentation = {
  flipHorizontal: 0,
  flipVertical: 0,
  maxRotationDegrees: 0,
  maxShift: 0,
  contrast: 0,
  brightness: 0,
  noise: 0,
};

test('--augment: classic, synthetic:RATIO and both; anything else named', () => {
  assert.deepEqual(parseAugment('classic'), { classic: CLASSIC_DEFAULTS });
  assert.deepEqual(parseAugment('synthetic:0.5'), { synthetic: { ratio: 0.5 } });
  assert.deepEqual(parseAugment('synthetic:2, classic'), {
    classic: CLASSIC_DEFAULTS,
    synthetic: { ratio: 2 },
  });
  assert.throws(() => parseAugment('mixup'), /unknown part "mixup"/);
  assert.throws(() => parseAugment('synthetic:0'), /above 0 and at most 10/);
  assert.throws(() => parseAugment('synthetic'), /unknown part "synthetic"/);
  assert.throws(() => parseAugment('classic,classic'), /classic twice/);
  // Medical images keep their side unless asked: a mirrored chest X-ray puts the heart on the wrong side.
  assert.equal(parseAugment('classic').classic?.flipHorizontal, 0);
  assert.equal(parseAugment('classic').classic?.flipVertical, 0);
  assert.equal(parseAugment('classic:flip').classic?.flipHorizontal, 0.5);
  assert.deepEqual(
    { ...parseAugment('synthetic:1,classic:flip').classic, flipHorizontal: 0 },
    CLASSIC_DEFAULTS,
  );
  assert.throws(() => parseAugment('classic:mirror'), /unknown part "classic:mirror"/);
  assert.throws(() => parseAugment('classic:flip:1'), /unknown part "classic:flip:1"/);
  assert.throws(() => parseAugment(''), /--augment needs/);
});

test('classic augmentation: seeded per epoch, each transform does what it says', () => {
  const { pixels } = mammogramPatches(6, 16, 4);
  const labels = new Int32Array(6);
  const augment = classicAugmenter(CLASSIC_DEFAULTS, [16, 16, 1], 3);
  const a = augment(pixels, labels, 1);
  assert.deepEqual(
    a,
    classicAugmenter(CLASSIC_DEFAULTS, [16, 16, 1], 3)(pixels, labels, 1),
    'same seed, same epoch',
  );
  assert.notDeepEqual(a, augment(pixels, labels, 2), 'a new epoch draws new variants');
  assert.notDeepEqual(a, classicAugmenter(CLASSIC_DEFAULTS, [16, 16, 1], 4)(pixels, labels, 1));
  assert.equal(a.length, pixels.length);
  assert.ok(a.every(Number.isFinite));
  // Small changes: each augmented patch stays close to its source (mean absolute change well below the spread).
  for (let k = 0; k < 6; k++) {
    let change = 0;
    for (let j = 0; j < 256; j++)
      change += Math.abs((a[k * 256 + j] as number) - (pixels[k * 256 + j] as number));
    assert.ok(change / 256 < 0.1, `patch ${k} changed by ${change / 256}`);
  }
  const one = pixels.subarray(0, 256);
  const out = new Float32Array(256);
  augmentImage(one, out, [16, 16, 1], NONE, createRng(1));
  out.forEach((v, j) => assert.ok(Math.abs(v - (one[j] as number)) < 1e-6, 'no-op settings keep the image'));
  augmentImage(one, out, [16, 16, 1], { ...NONE, flipHorizontal: 1 }, createRng(1));
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++)
      assert.ok(Math.abs((out[y * 16 + x] as number) - (one[y * 16 + 15 - x] as number)) < 1e-6, 'mirror');
  augmentImage(one, out, [16, 16, 1], { ...NONE, contrast: 0.5 }, createRng(1));
  const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
  assert.ok(Math.abs(mean(out) - mean(one)) < 1e-5, 'contrast turns around the mean');
  // A shift of one pixel right and down: the largest shift (1/16 of 16 px) with every draw at its top.
  augmentImage(one, out, [16, 16, 1], { ...NONE, maxShift: 1 / 16 }, () => 0.999999);
  for (let y = 1; y < 16; y++)
    for (let x = 1; x < 16; x++)
      assert.ok(Math.abs((out[y * 16 + x] as number) - (one[(y - 1) * 16 + x - 1] as number)) < 1e-4);
});
