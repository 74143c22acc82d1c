import assert from 'node:assert/strict';
import { test } from 'node:test';

import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import {
  pairedComparison,
  validationFindings,
  type FindingInputs,
} from '../../src-main/core/validate/findings.js';
import { rocCurves } from '../../src-main/core/validate/roc.js';
import { calibrationFigures } from '../../src-main/core/validate/calibration.js';
import { BY_BEAT_WARNING } from '../../src-main/core/data/ecg-splits.js';

const classes = ['N', 'S', 'V'];

/** n samples per class in class order: 60 N, 40 S, 40 V. */
function labelsOf(counts: number[]): number[] {
  return counts.flatMap((n, c) => new Array<number>(n).fill(c));
}
const labels = labelsOf([60, 40, 40]);
/** A sound model: right on all but every tenth sample, which it calls the next class. */
const sound = labels.map((l, i) => (i % 10 === 0 ? (l + 1) % 3 : l));

function inputs(predicted: number[], extra: Partial<FindingInputs> = {}): FindingInputs {
  return {
    metrics: classificationMetrics(labels, predicted, classes),
    robustnessSuites: ['fgsm', 'noise'],
    testRecords: 12,
    recordsPerClass: { N: 12, S: 6, V: 7 },
    groupsAreSamples: false,
    optimisticSplit: null,
    ...extra,
  };
}
const codes = (f: { code: string }[]) => f.map((x) => x.code);

test('a sound model on enough records raises no finding', () => {
  assert.deepEqual(validationFindings(inputs(sound)), []);
});

test('a one-class model: never predicts S and V, no better than the majority, flat curves', () => {
  const findings = validationFindings(inputs(labels.map(() => 0)));
  assert.deepEqual(codes(findings).sort(), [
    'class-never-predicted',
    'class-never-predicted',
    'flat-curves-one-class',
    'no-better-than-majority',
  ]);
  assert.ok(findings.every((f) => f.severity === 'critical'));
  const never = findings.filter((f) => f.code === 'class-never-predicted').map((f) => f.class);
  assert.deepEqual(never, ['S', 'V']);
  assert.match(
    findings.find((f) => f.code === 'flat-curves-one-class')?.message ?? '',
    /answers "N" to every input/,
  );
  // Without a robustness suite there is no curve to call flat.
  assert.ok(
    !codes(
      validationFindings(
        inputs(
          labels.map(() => 0),
          { robustnessSuites: [] },
        ),
      ),
    ).includes('flat-curves-one-class'),
  );
});

test('a class predicted but never found has sensitivity 0', () => {
  // S is answered for some N samples but never for an S sample.
  const predicted = labels.map((l, i) => (l === 1 ? 0 : l === 0 && i < 5 ? 1 : l));
  const findings = validationFindings(inputs(predicted));
  assert.deepEqual(
    findings.filter((f) => f.code === 'class-never-found').map((f) => f.class),
    ['S'],
  );
});

test('accuracy tied with always answering the majority class fires; one sample better does not', () => {
  // 60 of 140 right = the share of N; the model is right on 60 samples spread over the classes.
  const tie = labels.map((l, i) =>
    i < 30 || (i >= 60 && i < 75) || (i >= 100 && i < 115) ? l : (l + 1) % 3,
  );
  const metrics = classificationMetrics(labels, tie, classes);
  assert.equal(metrics.accuracy, 60 / 140);
  assert.ok(codes(validationFindings(inputs(tie))).includes('no-better-than-majority'));
  const better = [...tie];
  better[30] = 0;
  assert.ok(!codes(validationFindings(inputs(better))).includes('no-better-than-majority'));
});

test('high AUC with failing decisions names the threshold or calibration', () => {
  // V scores rank every V above every other sample, but never reach the argmax.
  const k = 3;
  const probabilities = new Float32Array(labels.length * k);
  labels.forEach((l, i) => {
    const v = l === 2 ? 0.4 : 0.1;
    probabilities[i * k + 2] = v;
    probabilities[i * k + (l === 1 ? 1 : 0)] = 1 - v - 0.05;
    probabilities[i * k + (l === 1 ? 0 : 1)] = 0.05;
  });
  const predicted = labels.map((l) => (l === 1 ? 1 : 0));
  const roc = rocCurves(probabilities, labels, classes);
  const findings = validationFindings(inputs(predicted, { roc }));
  const ranks = findings.find((f) => f.code === 'ranks-well-decides-badly');
  assert.equal(ranks?.class, 'V');
  assert.match(ranks?.message ?? '', /threshold or the calibration/);
  assert.ok(
    !codes(validationFindings(inputs(sound, { roc: rocCurves(probabilities, labels, classes) }))).includes(
      'ranks-well-decides-badly',
    ),
  );
});

test('two test records: intervals not meaningful; a class in one record; classes under 30 samples', () => {
  const few = validationFindings(inputs(sound, { testRecords: 2, recordsPerClass: { N: 2, S: 1, V: 1 } }));
  assert.ok(codes(few).includes('few-test-records'));
  assert.match(
    few.find((f) => f.code === 'few-test-records')?.message ?? '',
    /not meaningful.*k-fold by record/,
  );
  const single = validationFindings(inputs(sound, { recordsPerClass: { N: 12, S: 1, V: 7 } }));
  assert.match(
    single.find((f) => f.code === 'class-in-one-record')?.message ?? '',
    /"S" is found in a single/,
  );
  // Image datasets split by file have one group per sample: record counts mean nothing there.
  assert.ok(
    !codes(validationFindings(inputs(sound, { testRecords: 1, groupsAreSamples: true }))).includes(
      'few-test-records',
    ),
  );
  const smallLabels = labelsOf([60, 40, 12]);
  const small = validationFindings({
    ...inputs(sound),
    metrics: classificationMetrics(smallLabels, smallLabels, classes),
  });
  assert.deepEqual(
    small.filter((f) => f.code === 'small-class').map((f) => f.class),
    ['V'],
  );
});

test('a split by beat is flagged as optimistic', () => {
  const findings = validationFindings(inputs(sound, { optimisticSplit: BY_BEAT_WARNING }));
  assert.match(findings.find((f) => f.code === 'optimistic-split')?.message ?? '', /split by beat/);
});

test('a child better than its parent beyond chance: suspect the reference; a per-class drop beyond chance', () => {
  // The parent calls every S a N; the child is the sound model.
  const parent = labels.map((l) => (l === 1 ? 0 : l));
  const reference = {
    referenceId: 'm-parent',
    relation: 'its parent',
    reference: classificationMetrics(labels, parent, classes),
    ...pairedComparison(labels, sound, parent, classes),
  };
  const better = validationFindings(inputs(sound, { reference }));
  assert.ok(codes(better).includes('better-than-reference'));
  assert.match(
    better.find((f) => f.code === 'better-than-reference')?.message ?? '',
    /suspect the reference/,
  );
  // The other way round: the parent is sound, the child lost S.
  const drop = validationFindings(
    inputs(parent, {
      reference: {
        referenceId: 'm-parent',
        relation: 'its parent',
        reference: classificationMetrics(labels, sound, classes),
        ...pairedComparison(labels, parent, sound, classes),
      },
    }),
  );
  assert.deepEqual(
    drop.filter((f) => f.code === 'class-drop-vs-reference').map((f) => f.class),
    ['S'],
  );
  assert.ok(!codes(drop).includes('better-than-reference'));
  // Identical models: no difference, no finding.
  const same = validationFindings(
    inputs(sound, {
      reference: {
        referenceId: 'm-parent',
        relation: 'its parent',
        reference: classificationMetrics(labels, sound, classes),
        ...pairedComparison(labels, sound, sound, classes),
      },
    }),
  );
  assert.deepEqual(same, []);
});

test('calibration: over-confident and under-confident models are told apart; a calibrated one is not flagged', () => {
  // Two classes, 100 samples: the model states `confidence` for its answer and is right `rightShare` of the time.
  const calibrationOf = (confidence: number, rightShare: number) => {
    const n = 100;
    const truth = Array.from({ length: n }, (_, i) => i % 2);
    const probabilities = new Float32Array(n * 2);
    truth.forEach((t, i) => {
      const answer = i < rightShare * n ? t : 1 - t;
      probabilities[i * 2 + answer] = confidence;
      probabilities[i * 2 + (1 - answer)] = 1 - confidence;
    });
    const before = calibrationFigures(probabilities, truth, 2);
    return { bins: before.bins.length, before, temperature: null, after: null };
  };
  const over = validationFindings(inputs(sound, { calibration: calibrationOf(0.95, 0.7) }));
  assert.match(
    over.find((f) => f.code === 'over-confident')?.message ?? '',
    /over-confident.*25\.0% more certainty/,
  );
  const under = validationFindings(inputs(sound, { calibration: calibrationOf(0.6, 0.9) }));
  assert.match(under.find((f) => f.code === 'under-confident')?.message ?? '', /right 30\.0% more often/);
  assert.deepEqual(validationFindings(inputs(sound, { calibration: calibrationOf(0.9, 0.9) })), []);
});
