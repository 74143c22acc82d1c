import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  clopperPearson,
  hanleyMcNeil,
  meanInterval,
  studentQuantile,
  wilson,
} from '../../src-main/core/validate/exact-intervals.js';
import { recordBootstrap } from '../../src-main/core/validate/record-bootstrap.js';
import { recordConfusions, statedIntervals } from '../../src-main/core/validate/stated-intervals.js';
import { averagePrecision, sensitivityAtSpecificity } from '../../src-main/core/validate/class-scores.js';

const close = (a: number | undefined, b: number, tolerance = 1e-6) =>
  assert.ok(a !== undefined && Math.abs(a - b) < tolerance, `${a} != ${b}`);

test('Clopper-Pearson, Wilson and Student t agree with SciPy', () => {
  // scipy.stats.beta.ppf(0.025, 7, 27), beta.ppf(0.975, 8, 26): the S sensitivity 7/33.
  const s = clopperPearson(7, 33);
  close(s?.[0], 0.08980424454270132);
  close(s?.[1], 0.3890809196741135);
  assert.deepEqual(clopperPearson(0, 10)?.[0], 0);
  close(clopperPearson(0, 10)?.[1], 0.3084971078187607);
  close(clopperPearson(10, 10)?.[0], 0.6915028921812392);
  close(clopperPearson(1, 2)?.[0], 0.01257911709342505);
  assert.equal(clopperPearson(3, 0), null);
  const w = wilson(7, 33);
  close(w?.[0], 0.10676021533020799);
  close(w?.[1], 0.3775164499215069);
  close(studentQuantile(0.975, 1), 12.706204736174694, 1e-4);
  close(studentQuantile(0.975, 4), 2.7764451051977934, 1e-6);
  const m = meanInterval([0.8, 0.9]);
  // mean 0.85, standard error 0.05, half-width 12.706 * 0.05 = 0.635: clipped at 1.
  close(m?.[0], 0.85 - 12.706204736174694 * 0.05, 1e-5);
  assert.equal(m?.[1], 1);
  assert.equal(meanInterval([0.5]), null);
  const auc = hanleyMcNeil(0.9, 50, 50);
  assert.ok(auc !== null && auc[0] < 0.9 && auc[1] > 0.9 && auc[1] <= 1);
});

test('average precision and sensitivity at a fixed specificity, by hand', () => {
  // Ranked: + - + + - - + -, with the two 0.5 scores tied: AP = 1/4 (1 + 2/3 + 3/4 + 4/7).
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.3, 0.1];
  const positive = [true, false, true, true, false, false, true, false];
  close(averagePrecision(scores, positive) ?? NaN, (1 + 2 / 3 + 3 / 4 + 4 / 7) / 4, 1e-12);
  // Specificity 75% allows one false positive (0.8): sensitivity 3 of 4 at threshold 0.6.
  const point = sensitivityAtSpecificity(scores, positive, 0.75);
  assert.deepEqual(point, { sensitivity: 0.75, truePositives: 3, positives: 4, specificity: 0.75 });
  assert.equal(sensitivityAtSpecificity(scores, positive, 1)?.truePositives, 1);
});

test('two records: exact intervals with their method instead of a degenerate bootstrap', () => {
  // Record a: 100 N right, S 7 of 33 found (the rest called N); record b: 80 N right, no S.
  const labels: number[] = [];
  const predicted: number[] = [];
  const groups: number[] = [];
  const add = (g: number, label: number, guess: number, count: number) => {
    for (let i = 0; i < count; i++) {
      labels.push(label);
      predicted.push(guess);
      groups.push(g);
    }
  };
  add(0, 0, 0, 100);
  add(0, 1, 1, 7);
  add(0, 1, 0, 26);
  add(1, 0, 0, 80);
  const classes = ['N', 'S'];
  const bootstrap = recordBootstrap({ labels, predicted, groups, classes, seed: 1 });
  // The bootstrap's S interval is zero-width: S is found in one record only.
  const raw = bootstrap?.perClass['S']?.sensitivity;
  assert.ok(raw !== null && raw !== undefined && raw[1] - raw[0] < 1e-12);
  const stated = statedIntervals(
    recordConfusions(labels, predicted, groups, ['a', 'b'], 2),
    classes,
    bootstrap,
  );
  assert.equal(stated.testRecords, 2);
  const s = stated.perClass['S'];
  assert.equal(s?.records, 1);
  close(s?.sensitivity.interval?.[0], 0.08980424454270132);
  assert.match(s?.sensitivity.method ?? '', /Clopper-Pearson.*S found in 1 record/);
  assert.equal(stated.macroF1.interval, null);
  assert.match(stated.macroF1.method, /^none: 2 test records are too few/);
  assert.match(stated.accuracy.method, /Clopper-Pearson/);
});

test('enough records: the record bootstrap stays, named', () => {
  const labels: number[] = [];
  const predicted: number[] = [];
  const groups: number[] = [];
  for (let g = 0; g < 12; g++)
    for (let i = 0; i < 20; i++) {
      const label = i % 4 === 0 ? 1 : 0;
      labels.push(label);
      // Even records have one error more, so that the records differ and the bootstrap has a spread.
      predicted.push(i === g % 20 || (g % 2 === 0 && i === 19) ? 1 - label : label);
      groups.push(g);
    }
  const classes = ['N', 'S'];
  const bootstrap = recordBootstrap({ labels, predicted, groups, classes, seed: 1 });
  const names = Array.from({ length: 12 }, (_, g) => `r${g}`);
  const stated = statedIntervals(recordConfusions(labels, predicted, groups, names, 2), classes, bootstrap);
  assert.match(stated.accuracy.method, /^record bootstrap \(1000 resamples of 12 records\)/);
  assert.deepEqual(stated.accuracy.interval, bootstrap?.accuracy);
  assert.deepEqual(stated.perClass['S']?.sensitivity.interval, bootstrap?.perClass['S']?.sensitivity);
});
