import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AttestError } from '../../src-main/core/errors.js';
import { accuracyOf, classificationMetrics } from '../../src-main/core/metrics/metrics.js';

const AAMI = ['N', 'S', 'V', 'F', 'Q'];

// Hand-computed case. F is absent from truth and prediction; Q is predicted once but has no support.
//   truth: N N N N S S V V V V
//   pred:  N N N S S N V V N Q
const truth = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
const predicted = [0, 0, 0, 1, 1, 0, 2, 2, 0, 4];

test('confusion matrix, accuracy and per-class figures match the hand computation', () => {
  const m = classificationMetrics(truth, predicted, AAMI);
  assert.equal(m.n, 10);
  assert.deepEqual(m.labels, AAMI);
  assert.deepEqual(m.confusion, [
    [3, 1, 0, 0, 0],
    [1, 1, 0, 0, 0],
    [1, 0, 2, 0, 1],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ]);
  assert.equal(m.accuracy, 0.6);
  const [n, s, v, f, q] = m.perClass;
  assert.deepEqual(n, {
    label: 'N',
    support: 4,
    predicted: 5,
    sensitivity: 0.75,
    positivePredictivity: 0.6,
    f1: 6 / 9,
    specificity: 4 / 6,
  });
  assert.deepEqual(s, {
    label: 'S',
    support: 2,
    predicted: 2,
    sensitivity: 0.5,
    positivePredictivity: 0.5,
    f1: 0.5,
    specificity: 7 / 8,
  });
  assert.deepEqual(v, {
    label: 'V',
    support: 4,
    predicted: 2,
    sensitivity: 0.5,
    positivePredictivity: 1,
    f1: 4 / 6,
    specificity: 1,
  });
  // Absent from both: no metric at all.
  assert.deepEqual(f, {
    label: 'F',
    support: 0,
    predicted: 0,
    sensitivity: null,
    positivePredictivity: null,
    f1: null,
    specificity: 1,
  });
  // Predicted without support: no sensitivity, but a wrong prediction makes PPV and F1 zero.
  assert.deepEqual(q, {
    label: 'Q',
    support: 0,
    predicted: 1,
    sensitivity: null,
    positivePredictivity: 0,
    f1: 0,
    specificity: 0.9,
  });
});

test('macro-F1 averages the classes present in truth or prediction, leaving absent ones out', () => {
  const m = classificationMetrics(truth, predicted, AAMI);
  // (N 2/3 + S 1/2 + V 2/3 + Q 0) / 4; F is left out. Counting F as 0 would give 0.3667, as 1 would give 0.5667.
  assert.ok(Math.abs(m.macroF1 - (2 / 3 + 1 / 2 + 2 / 3 + 0) / 4) < 1e-12);
  // F1 is the harmonic mean of sensitivity and positive predictivity where both are defined.
  for (const c of m.perClass) {
    if (
      c.sensitivity === null ||
      c.positivePredictivity === null ||
      c.sensitivity + c.positivePredictivity === 0
    )
      continue;
    const harmonic = (2 * c.sensitivity * c.positivePredictivity) / (c.sensitivity + c.positivePredictivity);
    assert.ok(Math.abs((c.f1 as number) - harmonic) < 1e-12, c.label);
  }
});

test('a class with support that is never predicted has sensitivity 0, no PPV and F1 0', () => {
  const m = classificationMetrics([0, 0, 1, 1], [0, 0, 0, 0], ['N', 'V']);
  assert.deepEqual(m.perClass[1], {
    label: 'V',
    support: 2,
    predicted: 0,
    sensitivity: 0,
    positivePredictivity: null,
    f1: 0,
    specificity: 1,
  });
  assert.equal(m.perClass[0]?.f1, 2 / 3);
  assert.equal(m.macroF1, 1 / 3);
  assert.equal(m.accuracy, 0.5);
});

test('a perfect prediction scores 1 everywhere, and accuracyOf agrees with the full metrics', () => {
  const labels = Int32Array.from([2, 0, 1, 1, 2]);
  const m = classificationMetrics(labels, labels, ['a', 'b', 'c']);
  assert.equal(m.accuracy, 1);
  assert.equal(m.macroF1, 1);
  assert.equal(accuracyOf(truth, predicted), 0.6);
  assert.equal(accuracyOf(Uint8Array.from(truth), Int32Array.from(predicted)), 0.6);
});

test('bad input is refused with BAD_INPUT: lengths differ, labels outside the classes, nothing to score', () => {
  const isBadInput = (pattern: RegExp) => (error: unknown) =>
    error instanceof AttestError && error.code === 'BAD_INPUT' && pattern.test(error.message);
  assert.throws(
    () => classificationMetrics([0, 1], [0], AAMI),
    isBadInput(/2 true labels but 1 predictions/),
  );
  assert.throws(() => classificationMetrics([0, 5], [0, 0], AAMI), isBadInput(/true label 5 at sample 1/));
  assert.throws(() => classificationMetrics([0, 1], [0, -1], AAMI), isBadInput(/prediction -1 at sample 1/));
  assert.throws(() => classificationMetrics([0.5], [0], AAMI), isBadInput(/true label 0.5/));
  assert.throws(() => classificationMetrics([], [], AAMI), isBadInput(/no samples/));
  assert.throws(() => classificationMetrics([0], [0], []), isBadInput(/at least one class/));
});
