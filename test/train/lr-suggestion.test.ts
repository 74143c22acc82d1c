import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suggestRate } from '../../src-main/core/pipelines/train/lr-range-test.js';

test('the range-test suggestion ignores the batch-to-batch wobble of the first steps', () => {
  // 80 of 100 steps from 1e-6 (stopped at the blow-up): single batches make the smoothed loss zigzag early on,
  // by more per step than the real descent around 1e-3 falls per step.
  const points = Array.from({ length: 80 }, (_, k) => {
    const rate = 1e-6 * 1e6 ** (k / 99);
    const descent = 1.6 - 0.6 / (1 + Math.exp(-2.5 * (Math.log10(rate) + 3)));
    const wobble = k < 20 ? 0.12 * (k % 2 === 0 ? 1 : -1) * Math.exp(-k / 12) : 0;
    const blowUp = rate > 2e-2 ? 40 * (rate - 2e-2) : 0;
    return { rate, smoothed: descent + wobble + blowUp };
  });
  const { suggestedRate, minimumRate } = suggestRate(points);
  assert.ok(suggestedRate > 3e-4 && suggestedRate < 3e-3, `suggested ${suggestedRate}`);
  assert.ok(minimumRate > 5e-4 && minimumRate < 3e-3, `a tenth of the minimum: ${minimumRate}`);
});

test('a range test too short to have a descent still gives a rate from the points', () => {
  const points = Array.from({ length: 10 }, (_, k) => ({ rate: 10 ** (k - 6), smoothed: 1 + k / 10 }));
  const { suggestedRate } = suggestRate(points);
  assert.ok(
    points.some((p) => p.rate === suggestedRate),
    `suggested ${suggestedRate}`,
  );
});
