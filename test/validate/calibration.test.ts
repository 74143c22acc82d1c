import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AttestError } from '../../src-main/core/errors.js';
import {
  applyTemperature,
  calibrationFigures,
  fitTemperature,
} from '../../src-main/core/validate/calibration.js';
import { argMaxRows } from '../../src-main/core/predict/predict.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';

test('ECE, MCE, NLL, Brier and the reliability bins match a hand computation', () => {
  // Two bins. Samples: top 0.9 right, 0.9 wrong, 0.6 right, 0.7 right (binary rows).
  const p = Float32Array.from([0.9, 0.1, 0.1, 0.9, 0.6, 0.4, 0.3, 0.7]);
  const labels = [0, 0, 0, 1];
  const f = calibrationFigures(p, labels, 2, 2);
  // Bin (0.5, 1]: all four; mean confidence (0.9+0.9+0.6+0.7)/4 = 0.775, accuracy 0.75.
  assert.equal(f.bins[0]?.count, 0);
  assert.equal(f.bins[0]?.accuracy, null);
  assert.equal(f.bins[1]?.count, 4);
  assert.ok(Math.abs((f.bins[1]?.confidence as number) - 0.775) < 1e-6);
  assert.equal(f.bins[1]?.accuracy, 0.75);
  assert.ok(Math.abs(f.ece - 0.025) < 1e-6);
  assert.ok(Math.abs(f.mce - 0.025) < 1e-6);
  const nll = -(Math.log(0.9) + Math.log(0.1) + Math.log(0.6) + Math.log(0.7)) / 4;
  assert.ok(Math.abs(f.nll - nll) < 1e-6);
  const brier = (2 * 0.01 + 2 * 0.81 + 2 * 0.16 + 2 * 0.09) / 4;
  assert.ok(Math.abs(f.brier - brier) < 1e-6);
  // 15 bins by default; a confidence of exactly 1 goes to the last bin, 1/15 exactly to the first.
  const fifteen = calibrationFigures(Float32Array.from([1, 0, 0]), [0], 3);
  assert.equal(fifteen.bins.length, 15);
  assert.equal(fifteen.bins[14]?.count, 1);
  assert.equal(fifteen.ece, 0);
});

/** Labels drawn from softmax(z) (so softmax(z) is calibrated), and an overconfident model softmax(2 z). */
function overconfident(n: number, k: number, seed: number) {
  const random = seededRandom(seed);
  const labels = new Int32Array(n);
  const truth = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => 2 * random());
    const e = z.map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    let u = random() * sum;
    labels[i] = k - 1;
    for (let c = 0; c < k; c++) {
      truth[i * k + c] = (e[c] as number) / sum;
      u -= e[c] as number;
      if (u < 0 && labels[i] === k - 1 && c < k - 1) {
        labels[i] = c;
        u = Infinity;
      }
    }
  }
  return { labels, calibrated: truth, model: applyTemperature(truth, k, 0.5) };
}

test('temperature scaling recovers a known overconfidence, lowers NLL and ECE, and keeps every prediction', () => {
  const { labels, model } = overconfident(4000, 3, 11);
  const t = fitTemperature(model, labels, 3);
  assert.ok(Math.abs(t - 2) < 0.25, `fitted temperature ${t}, expected about 2`);
  const scaled = applyTemperature(model, 3, t);
  const before = calibrationFigures(model, labels, 3);
  const after = calibrationFigures(scaled, labels, 3);
  assert.ok(after.nll < before.nll);
  assert.ok(after.ece < before.ece / 2, `ECE ${before.ece} -> ${after.ece}`);
  assert.deepEqual(argMaxRows(scaled, 3), argMaxRows(model, 3));
  // It is the minimum: nearby temperatures do worse.
  for (const other of [t * 0.9, t * 1.1])
    assert.ok(calibrationFigures(applyTemperature(model, 3, other), labels, 3).nll > after.nll);
});

test('bad calibration input is refused with BAD_INPUT', () => {
  const bad = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  bad(() => calibrationFigures(Float32Array.from([0.5, 0.5]), [0, 1], 2), /do not make 2 rows/);
  bad(() => calibrationFigures(Float32Array.from([2, -1]), [0], 2), /not a probability/);
  bad(() => calibrationFigures(Float32Array.from([0.5, 0.5]), [3], 2), /label 3/);
  bad(() => applyTemperature(Float32Array.from([0.5, 0.5]), 2, 0), /positive number/);
  bad(() => fitTemperature(new Float32Array(0), [], 2), /no samples/);
});
