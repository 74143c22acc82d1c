import assert from 'node:assert/strict';
import { test } from 'node:test';

import { disagreement } from '../../src-main/core/validate/disagreement.js';
import { seedsLike } from '../../src-main/core/validate/disagreement-suite.js';
import type { ModelRow } from '../../src-main/core/store/models.js';
import {
  incompleteBeta,
  mcnemarExact,
  studentTwoSided,
  welchTest,
} from '../../src-main/core/validate/significance.js';

const close = (a: number | undefined, b: number, tolerance = 1e-9) =>
  assert.ok(Math.abs((a as number) - b) < tolerance, `${a} vs ${b}`);

test('McNemar, Welch and the t distribution agree with SciPy', () => {
  // scipy.stats.binomtest(3, 12).pvalue and binomtest(0, 5).pvalue
  close(mcnemarExact(3, 9).pValue, 0.14599609375);
  close(mcnemarExact(0, 5).pValue, 0.0625);
  assert.equal(mcnemarExact(0, 0).pValue, 1);
  // scipy.stats.ttest_ind([0.8, 0.82, 0.79], [0.9, 0.88, 0.91, 0.9], equal_var=False)
  const welch = welchTest([0.8, 0.82, 0.79], [0.9, 0.88, 0.91, 0.9]);
  close(welch?.t, -8.692307692307702, 1e-9);
  close(welch?.pValue, 0.0011007162307250218, 1e-9);
  assert.equal(welchTest([0.8], [0.9, 0.91]), null, 'one seed: no population test');
  assert.equal(welchTest([0.5, 0.5], [0.5, 0.5])?.pValue, 1);
  // scipy.stats.t.sf(2.0, 5) * 2; I_0.5(2, 3) = 0.6875
  close(studentTwoSided(2, 5), 0.10193947882985828, 1e-12);
  close(incompleteBeta(0.5, 2, 3), 0.6875, 1e-12);
});

test('flipped samples, per-class recall change and pruning-identified exemplars on a hand example', () => {
  const classes = ['N', 'V'];
  // 6 samples, labels N N N V V V. Parent predicts N N N V V N; model predicts N V N V N N.
  const labels = [0, 0, 0, 1, 1, 1];
  const rows = (predicted: number[], confidence = 0.9) =>
    Float32Array.from(
      predicted.flatMap((p) => (p === 0 ? [confidence, 1 - confidence] : [1 - confidence, confidence])),
    );
  const result = disagreement({
    labels,
    classes,
    sampleIndices: [10, 11, 12, 13, 14, 15],
    groupNames: ['a', 'a', 'b', 'b', 'c', 'c'],
    models: [{ id: 'child', probabilities: rows([0, 1, 0, 1, 0, 0], 0.8) }],
    parents: [{ id: 'parent', probabilities: rows([0, 0, 0, 1, 1, 0]) }],
  });
  assert.equal(result.flippedCount, 2);
  assert.equal(result.lostCount, 2);
  assert.equal(result.gainedCount, 0);
  assert.deepEqual(result.flipped[0], {
    index: 11,
    group: 'a',
    label: 'N',
    model: 'V',
    parent: 'N',
    modelConfidence: result.flipped[0]?.modelConfidence,
    parentConfidence: result.flipped[0]?.parentConfidence,
  });
  close(result.flipped[0]?.modelConfidence, 0.8, 1e-6);
  assert.deepEqual(
    result.flipped.map((f) => f.index),
    [11, 14],
  );
  const [n, v] = result.perClass;
  close(n?.change ?? NaN, 2 / 3 - 1);
  close(v?.change ?? NaN, 1 / 3 - 2 / 3);
  assert.deepEqual([n?.mcnemar.lost, n?.mcnemar.gained], [1, 0]);
  assert.equal(n?.welch, null);
  assert.equal(n?.significant, false, 'one lost sample is not significant');
  // One model each: the exemplars are exactly the flipped samples.
  assert.deepEqual(result.pies.indices, [11, 14]);
  assert.equal(result.pies.parentAccuracyOnPies, 1);
});

test('populations of seeds: Welch on recall, modal predictions for the exemplars', () => {
  const labels = Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1));
  // Parents get every V right; the compressed seeds lose 8 to 10 of the 20 V samples.
  const make = (id: string, wrongV: number[]) => ({
    id,
    probabilities: Float32Array.from(
      labels.flatMap((l, i) => {
        const predicted = l === 1 && wrongV.includes(i) ? 0 : l;
        return predicted === 0 ? [0.9, 0.1] : [0.1, 0.9];
      }),
    ),
  });
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const result = disagreement({
    labels,
    classes: ['N', 'V'],
    sampleIndices: range(0, 40),
    groupNames: labels.map(() => 'r'),
    models: [make('c1', range(20, 30)), make('c2', range(20, 29)), make('c3', range(21, 29))],
    parents: [make('p1', []), make('p2', []), make('p3', [39])],
  });
  const v = result.perClass[1];
  assert.ok(v?.welch !== null && v?.welch !== undefined);
  assert.ok(v.welch.pValue < 0.001, `p ${v.welch.pValue}`);
  assert.equal(v.significant, true);
  assert.equal(result.perClass[0]?.significant, false);
  // Modal compressed prediction is wrong on 20..28 (at least two of three seeds), the parents' right there.
  assert.deepEqual(result.pies.indices, range(20, 29));
  assert.deepEqual(result.populations, { model: ['c1', 'c2', 'c3'], parent: ['p1', 'p2', 'p3'] });
});

test('the populations hold seeds of the same recipe only, not other experiments', () => {
  const row = (id: string, seed: number, extra: Record<string, unknown> = {}): ModelRow => ({
    id,
    name: id,
    arch: 'ecg-resnet',
    datasetId: 'ds-1',
    parentId: null,
    recipe: null,
    artifactSha256: '',
    sizeBytes: 0,
    params: 0,
    nonzeroParams: 0,
    backend: 'cpu',
    seed,
    config: { epochs: 8, learningRate: 0.001, seed, name: id, ...extra },
    summary: {},
    createdAt: '',
  });
  const all = [
    row('a', 1),
    row('b', 2),
    row('c', 3, { hardening: 'pgd:0.05' }),
    row('d', 4, { epochs: 2 }),
    { ...row('e', 5), arch: 'small-cnn' },
  ];
  assert.deepEqual(
    seedsLike(all, all[0] as ModelRow).map((m) => m.id),
    ['b'],
  );
});
