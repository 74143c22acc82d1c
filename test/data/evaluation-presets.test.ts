import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BY_BEAT_WARNING, parseSplitSpec, splitRecords } from '../../src-main/core/data/ecg-splits.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { loadEcgDataset } from '../../src-main/core/data/ecg-dataset.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tempHome } from '../helpers/temp-home.js';

const RECORDS = ['100', '101', '103', '105', '106', '108', '109', '111', '112', '113'];

test('an explicit test-record list puts exactly those records in test, and refuses unknown ones', () => {
  assert.deepEqual(parseSplitSpec('test:119, 100'), { kind: 'test-records', records: ['119', '100'] });
  const split = splitRecords(['100', '106', '119', '208'], parseSplitSpec('test:100,119'));
  assert.deepEqual(split, { train: ['106', '208'], test: ['100', '119'], skipped: [] });
  assert.throws(
    () => splitRecords(['100', '106'], parseSplitSpec('test:100,999')),
    (e: unknown) => e instanceof AttestError && /record 999 is not among the inputs/.test(e.message),
  );
});

test('k-fold by record: every record is in exactly one test fold, folds differ by at most one record', () => {
  const folds = [1, 2, 3].map((i) => splitRecords(RECORDS, parseSplitSpec(`kfold:3:${i}:5`)));
  const tested = folds.flatMap((f) => f.test).sort();
  assert.deepEqual(tested, [...RECORDS].sort());
  for (const fold of folds) {
    assert.equal(fold.train.length + fold.test.length, RECORDS.length);
    assert.equal(fold.train.filter((r) => fold.test.includes(r)).length, 0, 'no record on both sides');
  }
  const sizes = folds.map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes.join(' ')}`);
  assert.deepEqual(splitRecords(RECORDS, parseSplitSpec('kfold:3:2:5')), folds[1], 'seeded');
  for (const bad of ['kfold:1:1', 'kfold:3:4', 'kfold:3:0'])
    assert.throws(() => parseSplitSpec(bad), AttestError, bad);
  assert.throws(() => splitRecords(['100', '101'], parseSplitSpec('kfold:3:1')), /need at least 3 records/);
});

test('an intra-patient split by beat puts one record on both sides and says it is optimistic', () => {
  const home = tempHome('by-beat');
  const workspace = Workspace.open(home.dir);
  try {
    const result = importWfdbDataset(
      workspace,
      {
        inputs: [resourcePath('mitdb', '100'), resourcePath('mitdb', '119')],
        name: 'by beat',
        split: parseSplitSpec('beats:4:0.25'),
        durationSeconds: 120,
      },
      quietContext(),
    );
    assert.ok(result.warnings.includes(BY_BEAT_WARNING));
    const dataset = loadEcgDataset(workspace, result.datasetId);
    for (let record = 0; record < 2; record++) {
      const sides = new Set(Array.from(dataset.split).filter((_, i) => dataset.record[i] === record));
      assert.deepEqual([...sides].sort(), [0, 1], `record ${record} has beats on both sides`);
    }
    const testShare = Array.from(dataset.split).filter((s) => s === 1).length / dataset.split.length;
    assert.ok(Math.abs(testShare - 0.25) < 0.08, `test share ${testShare}`);
    assert.equal(
      (result.splits['train']?.total ?? 0) + (result.splits['test']?.total ?? 0),
      dataset.labels.length,
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
