import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourcePath } from '../../src-main/core/util/resources.js';
import {
  annotatedRecordPaths,
  previewRecordSplit,
  recordClassCounts,
} from '../../src-main/core/data/split-sufficiency-preview.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * The split preview of the import wizard, read from annotations only, against the import itself: the same
 * records on each side, the class counts of record 208 as published (wfdb-python: N 1586, S 2, V 992, F 373, Q 2),
 * and the same data-sufficiency warnings as the dataset the import then stores.
 */

test('record class counts come from the reference annotations, within the first seconds when asked', () => {
  assert.deepEqual(recordClassCounts(resourcePath('mitdb', '208')).classes, {
    N: 1586,
    S: 2,
    V: 992,
    F: 373,
    Q: 2,
  });
  const early = recordClassCounts(resourcePath('mitdb', '208'), { seconds: 60 }).classes;
  assert.ok((early['N'] ?? 0) + (early['V'] ?? 0) < 150, JSON.stringify(early));
  assert.throws(() => recordClassCounts('/nonexistent/record'), /no reference annotations/);
  const folder = annotatedRecordPaths([resourcePath('mitdb')]).map((p) => p.split('/').at(-1));
  assert.deepEqual(folder, ['100', '106', '119', '208', '209']);
});

test('the wizard’s default split keeps N, S and V on both sides and warns that F is in training only, as the import does', () => {
  const records = ['100', '106', '119', '208', '209'].map((r) => resourcePath('mitdb', r));
  const preview = previewRecordSplit(
    records.map((r) => recordClassCounts(r)),
    'test:119,209',
  );
  assert.deepEqual(preview.train.records, ['100', '106', '208']);
  assert.deepEqual(preview.test.records, ['119', '209']);
  for (const k of ['N', 'S', 'V']) {
    assert.ok((preview.train.classes[k] ?? 0) > 0, `${k} in training`);
    assert.ok((preview.test.classes[k] ?? 0) > 0, `${k} in test`);
  }
  assert.ok(
    preview.warnings.some((w) => /class F/.test(w)),
    preview.warnings.join('\n'),
  );

  const home = tempHome('split-preview');
  const workspace = Workspace.open(home.dir);
  try {
    const imported = importWfdbDataset(
      workspace,
      { inputs: records, name: 'default', split: parseSplitSpec('test:119,209') },
      quietContext(),
    );
    const classesOf = (w: string) => [...w.matchAll(/class (\w)/g)].map((m) => m[1]);
    assert.deepEqual(
      preview.warnings.map(classesOf),
      imported.dataSufficiency.map(classesOf),
      `preview: ${preview.warnings.join(' | ')}\nimport: ${imported.dataSufficiency.join(' | ')}`,
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
