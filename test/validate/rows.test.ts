import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FgsmResult } from '../../src-main/core/validate/fgsm.js';
import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import type { NoiseStressResult } from '../../src-main/core/validate/noise-stress.js';
import { metricRows, type MetricRow } from '../../src-main/core/validate/rows.js';
import { rocCurves } from '../../src-main/core/validate/roc.js';
import { calibrationFigures } from '../../src-main/core/validate/calibration.js';
import type { AttackSweep } from '../../src-main/core/validate/attack-sweep.js';

const AAMI = ['N', 'S', 'V', 'F', 'Q'];
const clean = classificationMetrics([0, 0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 0, 0, 1, 1, 0, 2, 2, 0, 4], AAMI);

const fgsm: FgsmResult = {
  unit: 'beat standard deviations (model input)',
  norm: 'Linf',
  n: 10,
  cleanAccuracy: 0.6,
  points: [
    { epsilon: 0.01, accuracy: 0.5, attackSuccessRate: 1 / 6 },
    { epsilon: 0.1, accuracy: 0.2, attackSuccessRate: null },
  ],
};

const noise: NoiseStressResult = {
  snrDefinition: 'nst',
  seed: 1,
  fs: 360,
  clean: { accuracy: 0.6, macroF1: 0.45, sensitivity: { N: 0.9, V: 0.5 } },
  noises: [
    {
      noise: 'bw',
      noiseRms: 0.1,
      noiseChunks: 300,
      points: [
        { snrDb: 24, accuracy: 0.6, macroF1: 0.4, sensitivity: { N: 0.8, V: null } },
        { snrDb: -6, accuracy: 0.3, macroF1: 0.2, sensitivity: { N: 0.4, V: 0.1 } },
      ],
    },
    {
      noise: 'ma',
      noiseRms: 0.08,
      noiseChunks: 300,
      points: [{ snrDb: 24, accuracy: 0.5, macroF1: 0.4, sensitivity: { N: 0.7, V: 0.3 } }],
    },
  ],
  records: [{ record: 0, peakToPeak: 1, beatsMeasured: 300, measuredOn: 'reference beats' }],
};

const find = (
  rows: MetricRow[],
  suite: string,
  name: string,
  params: Record<string, string | number> = {},
): MetricRow[] =>
  rows.filter(
    (r) => r.suite === suite && r.name === name && JSON.stringify(r.params ?? {}) === JSON.stringify(params),
  );

test('clean metrics become one row per figure, per class and per confusion cell', () => {
  const rows = metricRows({ clean });
  // n, accuracy, macro-F1; 6 figures for each of 5 classes; 25 confusion cells.
  assert.equal(rows.length, 3 + 5 * 6 + 25);
  assert.equal(find(rows, 'clean', 'specificity', { class: 'S' })[0]?.value, 7 / 8);
  assert.deepEqual(find(rows, 'clean', 'accuracy'), [{ suite: 'clean', name: 'accuracy', value: 0.6 }]);
  assert.equal(find(rows, 'clean', 'macro_f1')[0]?.value, clean.macroF1);
  assert.equal(find(rows, 'clean', 'sensitivity', { class: 'N' })[0]?.value, 0.75);
  assert.equal(find(rows, 'clean', 'positive_predictivity', { class: 'V' })[0]?.value, 1);
  assert.equal(find(rows, 'clean', 'f1', { class: 'F' })[0]?.value, null, 'undefined metrics stay null');
  assert.equal(find(rows, 'clean', 'support', { class: 'Q' })[0]?.value, 0);
  assert.equal(find(rows, 'clean', 'confusion', { true: 'N', predicted: 'S' })[0]?.value, 1);
  assert.equal(find(rows, 'clean', 'confusion', { true: 'V', predicted: 'Q' })[0]?.value, 1);
  const cells = rows.filter((r) => r.name === 'confusion').reduce((a, r) => a + (r.value as number), 0);
  assert.equal(cells, 10);
});

test('FGSM and noise results become rows keyed by epsilon (with its unit) and by noise and SNR', () => {
  const rows = metricRows({ fgsm, noise });
  const epsilonParams = { epsilon: 0.1, unit: 'beat standard deviations (model input)', norm: 'Linf' };
  assert.equal(find(rows, 'fgsm', 'accuracy', epsilonParams)[0]?.value, 0.2);
  assert.equal(find(rows, 'fgsm', 'attack_success_rate', epsilonParams)[0]?.value, null);
  assert.equal(find(rows, 'fgsm', 'clean_accuracy')[0]?.value, 0.6);
  assert.equal(find(rows, 'noise', 'accuracy', { noise: 'bw', snr_db: -6 })[0]?.value, 0.3);
  assert.equal(find(rows, 'noise', 'sensitivity', { noise: 'bw', snr_db: -6, class: 'V' })[0]?.value, 0.1);
  assert.equal(find(rows, 'noise', 'sensitivity', { noise: 'bw', snr_db: 24, class: 'V' })[0]?.value, null);
  assert.equal(find(rows, 'noise', 'macro_f1', { noise: 'ma', snr_db: 24 })[0]?.value, 0.4);
  assert.equal(find(rows, 'noise', 'noise_rms_mv', { noise: 'ma' })[0]?.value, 0.08);
  assert.equal(find(rows, 'noise', 'clean_accuracy')[0]?.value, 0.6);
  // fgsm: n, clean accuracy, 2 per epsilon; noise: 2 clean, per noise 1 + (2 + one per class) per SNR.
  assert.equal(rows.length, 2 + 2 * 2 + 2 + (1 + 4 * 2) + (1 + 4 * 1));
  assert.deepEqual([...new Set(rows.map((r) => r.suite))], ['fgsm', 'noise']);
});

test('rows come out in a stable order and each (suite, name, params) appears once', () => {
  const rows = metricRows({ noise, clean, fgsm });
  assert.deepEqual([...new Set(rows.map((r) => r.suite))], ['clean', 'fgsm', 'noise']);
  const keys = rows.map((r) => `${r.suite}|${r.name}|${JSON.stringify(r.params ?? {})}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(metricRows({}), []);
});

test('ROC, operating threshold, calibration and attack sweeps become rows keyed by class, stage, attack and epsilon', () => {
  const labels = [0, 0, 1, 1];
  const probabilities = Float32Array.from([0.9, 0.1, 0.6, 0.4, 0.3, 0.7, 0.45, 0.55]);
  const binary = classificationMetrics(labels, [0, 0, 1, 1], ['neg', 'pos']);
  const roc = rocCurves(probabilities, labels, ['neg', 'pos']);
  const before = calibrationFigures(probabilities, labels, 2);
  const sweep: AttackSweep = {
    attack: 'pgd',
    norm: 'L2',
    unit: 'u',
    targeted: true,
    target: 'pos',
    params: { steps: 10 },
    n: 4,
    cleanAccuracy: 1,
    points: [{ epsilon: 0.5, accuracy: 0.5, attackSuccessRate: 0.5, targetSuccessRate: 1 }],
  };
  const rows = metricRows({
    clean: {
      ...binary,
      roc,
      decisionRule: { kind: 'threshold', positiveClass: 'pos', positiveIndex: 1, threshold: 0.3 },
    },
    calibration: { bins: 15, before, temperature: null, after: null },
    pgd: { sweeps: [sweep] },
  });
  assert.equal(find(rows, 'clean', 'auc', { class: 'pos' })[0]?.value, 1);
  assert.equal(find(rows, 'clean', 'macro_auc')[0]?.value, 1);
  assert.equal(find(rows, 'clean', 'operating_threshold', { class: 'pos' })[0]?.value, 0.3);
  assert.equal(find(rows, 'calibration', 'ece', { stage: 'model', bins: 15 })[0]?.value, before.ece);
  assert.equal(find(rows, 'calibration', 'temperature').length, 0, 'no temperature without validation data');
  const at = { attack: 'pgd', norm: 'L2', unit: 'u', target: 'pos', epsilon: 0.5 };
  assert.equal(find(rows, 'pgd', 'target_success_rate', at)[0]?.value, 1);
  assert.equal(find(rows, 'pgd', 'accuracy', at)[0]?.value, 0.5);
  const keys = rows.map((r) => `${r.suite}/${r.name}/${JSON.stringify(r.params ?? {})}`);
  assert.equal(new Set(keys).size, keys.length);
});
