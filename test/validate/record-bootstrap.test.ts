import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordBootstrap } from '../../src-main/core/validate/record-bootstrap.js';
import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { AttestError } from '../../src-main/core/errors.js';

const CLASSES = ['N', 'S', 'V'];

/** 12 records of 200 beats whose accuracy differs a lot from record to record, as patients do. */
function heterogeneousRecords() {
  const random = seededRandom(11);
  const labels: number[] = [];
  const predicted: number[] = [];
  const groups: number[] = [];
  for (let record = 0; record < 12; record++) {
    const accuracy = record % 3 === 0 ? 0.55 : 0.97;
    for (let beat = 0; beat < 200; beat++) {
      const label = random() < 0.8 ? 0 : random() < 0.5 ? 1 : 2;
      labels.push(label);
      predicted.push(random() < accuracy ? label : (label + 1) % 3);
      groups.push(record);
    }
  }
  return { labels, predicted, groups };
}

test('intervals resample records: they contain the estimate and are wider than a beat bootstrap would claim', () => {
  const data = heterogeneousRecords();
  const point = classificationMetrics(data.labels, data.predicted, CLASSES);
  const byRecord = recordBootstrap({ ...data, classes: CLASSES, seed: 3 });
  assert.ok(byRecord !== null);
  assert.equal(byRecord.unit, 'record');
  assert.equal(byRecord.groups, 12);
  assert.ok(byRecord.accuracy[0] < point.accuracy && point.accuracy < byRecord.accuracy[1]);
  assert.ok(byRecord.macroF1[0] < point.macroF1 && point.macroF1 < byRecord.macroF1[1]);
  // Treating every beat as its own group is the (wrong) beat bootstrap: its interval is much narrower here.
  const byBeat = recordBootstrap({
    ...data,
    groups: data.labels.map((_, i) => i),
    classes: CLASSES,
    seed: 3,
  });
  assert.ok(byBeat !== null);
  const width = (i: [number, number]): number => i[1] - i[0];
  assert.ok(
    width(byRecord.accuracy) > 2 * width(byBeat.accuracy),
    `record interval ${width(byRecord.accuracy)} vs beat interval ${width(byBeat.accuracy)}`,
  );
  for (const label of CLASSES) {
    const ci = byRecord.perClass[label]?.sensitivity;
    assert.ok(ci !== null && ci !== undefined && ci[0] <= ci[1]);
  }
});

test('the bootstrap is reproducible from its seed, and degenerate cases are honest', () => {
  const data = heterogeneousRecords();
  assert.deepEqual(
    recordBootstrap({ ...data, classes: CLASSES, seed: 5 }),
    recordBootstrap({ ...data, classes: CLASSES, seed: 5 }),
  );
  assert.notDeepEqual(
    recordBootstrap({ ...data, classes: CLASSES, seed: 5 })?.accuracy,
    recordBootstrap({ ...data, classes: CLASSES, seed: 6 })?.accuracy,
  );
  // Perfect predictions on two records: every replicate is perfect.
  const perfect = recordBootstrap({
    labels: [0, 1, 0, 2],
    predicted: [0, 1, 0, 2],
    groups: [0, 0, 1, 1],
    classes: CLASSES,
  });
  assert.deepEqual(perfect?.accuracy, [1, 1]);
  // A class never present has no interval; a single record has nothing to resample.
  const noQ = recordBootstrap({
    labels: [0, 1, 0, 1],
    predicted: [0, 1, 1, 1],
    groups: [0, 0, 1, 1],
    classes: [...CLASSES, 'Q'],
  });
  assert.equal(noQ?.perClass['Q']?.sensitivity, null);
  assert.equal(
    recordBootstrap({ labels: [0, 1], predicted: [0, 1], groups: [7, 7], classes: CLASSES }),
    null,
  );
  assert.throws(
    () => recordBootstrap({ labels: [0], predicted: [0, 1], groups: [0], classes: CLASSES }),
    AttestError,
  );
  assert.throws(() => recordBootstrap({ ...data, classes: CLASSES, resamples: 5 }), /resamples/);
});
