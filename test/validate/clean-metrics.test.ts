import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { AttestError } from '../../src-main/core/errors.js';
import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import { binaryRoc, rocCurves } from '../../src-main/core/validate/roc.js';
import { decide, decisionRule } from '../../src-main/core/validate/operating-threshold.js';
import { argMaxRows } from '../../src-main/core/predict/predict.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { missingReference, PYTHON, pythonMissing } from '../helpers/reference.js';

const SCRIPT = fileURLToPath(
  new URL('../../../test/validate/reference/metrics_reference.py', import.meta.url),
);

/** Probabilities of a noisy 4-class classifier, rounded to 2 decimals so that scores tie often. */
function noisyPredictions(
  n: number,
  k: number,
  seed: number,
): { labels: Int32Array; probabilities: Float32Array } {
  const random = seededRandom(seed);
  const labels = Int32Array.from({ length: n }, () => Math.floor(random() * k));
  const probabilities = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const raw = Array.from({ length: k }, (_, c) => random() + (c === labels[i] ? 0.6 : 0));
    const sum = raw.reduce((a, b) => a + b, 0);
    // Two decimals for all but the last class, which takes the rest: rows still sum to 1.
    let rest = 100;
    raw.forEach((v, c) => {
      const hundredths = c < k - 1 ? Math.round((v / sum) * 100) : rest;
      rest -= hundredths;
      probabilities[i * k + c] = hundredths / 100;
    });
  }
  return { labels, probabilities };
}

test('binary ROC: hand-computed curve and AUC with ties counted as one half', () => {
  // scores 0.9 (pos), 0.8 (neg), 0.8 (pos), 0.3 (neg): pairs pos>neg: (0.9,0.8) (0.9,0.3) (0.8,0.3) = 3, tie = 0.5.
  const roc = binaryRoc([0.9, 0.8, 0.8, 0.3], [1, 0, 1, 0]);
  assert.equal(roc.auc, 3.5 / 4);
  assert.deepEqual(roc.points, [
    { threshold: null, fpr: 0, tpr: 0 },
    { threshold: 0.9, fpr: 0, tpr: 0.5 },
    { threshold: 0.8, fpr: 0.5, tpr: 1 },
    { threshold: 0.3, fpr: 1, tpr: 1 },
  ]);
  assert.equal(binaryRoc([0.2, 0.4], [1, 1]).auc, null, 'no negative: AUC undefined');
  const thinned = binaryRoc(
    Array.from({ length: 500 }, (_, i) => i / 500),
    Array.from({ length: 500 }, (_, i) => i % 2),
    11,
  );
  assert.equal(thinned.points.length, 11);
  assert.deepEqual(thinned.points.at(-1), { threshold: 0, fpr: 1, tpr: 1 });
});

test('a user-chosen threshold moves the operating point: higher threshold, fewer positives', () => {
  const probabilities = Float32Array.from([0.8, 0.2, 0.6, 0.4, 0.35, 0.65, 0.1, 0.9]);
  const rule = decisionRule(['neg', 'pos'], 0.3, undefined);
  assert.deepEqual(rule, { kind: 'threshold', positiveClass: 'pos', positiveIndex: 1, threshold: 0.3 });
  assert.deepEqual(Array.from(decide(probabilities, 2, rule)), [0, 1, 1, 1]);
  assert.deepEqual(
    Array.from(decide(probabilities, 2, decisionRule(['neg', 'pos'], 0.7, undefined))),
    [0, 0, 0, 1],
  );
  assert.deepEqual(
    Array.from(decide(probabilities, 2, { kind: 'argmax' })),
    Array.from(argMaxRows(probabilities, 2)),
  );
  // Three classes: positive class "b" at 0.25, else the most probable of the others.
  const three = Float32Array.from([0.5, 0.3, 0.2, 0.6, 0.1, 0.3]);
  assert.deepEqual(Array.from(decide(three, 3, decisionRule(['a', 'b', 'c'], 0.25, 'b'))), [1, 0]);
  const bad = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  bad(() => decisionRule(['a', 'b', 'c'], 0.5, undefined), /needs --positive-class/);
  bad(() => decisionRule(['a', 'b'], 1.5, undefined), /probability from 0 to 1/);
  bad(() => decisionRule(['a', 'b'], 0.5, 'z'), /"z" is not one of a, b/);
  bad(() => decisionRule(['a', 'b'], undefined, 'a'), /needs --threshold/);
});

test('confusion, recall, precision, F1, specificity and one-vs-rest AUC agree with scikit-learn', (t) => {
  const missing = pythonMissing('sklearn');
  if (missing !== undefined) return missingReference(t, missing);
  const classes = ['N', 'S', 'V', 'F'];
  const { labels, probabilities } = noisyPredictions(400, 4, 7);
  const predicted = argMaxRows(probabilities, 4);
  const ours = classificationMetrics(labels, predicted, classes);
  const roc = rocCurves(probabilities, labels, classes, 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'attest-sklearn-'));
  try {
    const file = join(dir, 'predictions.json');
    writeFileSync(
      file,
      JSON.stringify({
        labels: Array.from(labels),
        probabilities: Array.from({ length: 400 }, (_, i) =>
          Array.from(probabilities.subarray(i * 4, i * 4 + 4)),
        ),
        predicted: Array.from(predicted),
        classes,
      }),
    );
    const run = spawnSync(PYTHON, [SCRIPT, file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const ref = JSON.parse(run.stdout) as {
      confusion: number[][];
      recall: number[];
      precision: number[];
      f1: number[];
      specificity: number[];
      auc: number[];
      macroAuc: number;
      weightedAuc: number;
      curves: { fpr: number[]; tpr: number[]; thresholds: number[] }[];
    };
    assert.deepEqual(ours.confusion, ref.confusion);
    const close = (a: number | null | undefined, b: number | undefined, what: string) =>
      assert.ok(Math.abs((a as number) - (b as number)) < 1e-9, `${what}: ${a} vs ${b}`);
    ours.perClass.forEach((c, i) => {
      close(c.sensitivity, ref.recall[i], `recall ${c.label}`);
      close(c.positivePredictivity, ref.precision[i], `precision ${c.label}`);
      close(c.f1, ref.f1[i], `F1 ${c.label}`);
      close(c.specificity, ref.specificity[i], `specificity ${c.label}`);
      close(roc.perClass[i]?.auc, ref.auc[i], `AUC ${c.label}`);
      const curve = roc.perClass[i]?.points ?? [];
      assert.equal(curve.length, ref.curves[i]?.fpr.length, `curve length ${c.label}`);
      curve.forEach((p, j) => {
        close(p.fpr, ref.curves[i]?.fpr[j], `fpr ${c.label} ${j}`);
        close(p.tpr, ref.curves[i]?.tpr[j], `tpr ${c.label} ${j}`);
      });
    });
    close(roc.macroAuc, ref.macroAuc, 'macro AUC');
    close(roc.weightedAuc, ref.weightedAuc, 'weighted AUC');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
