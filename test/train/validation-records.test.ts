import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { loadEcgDataset, splitIndices } from '../../src-main/core/data/ecg-dataset.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { chooseValidationRecords } from '../../src-main/core/train/validation-records.js';
import { tempHome } from '../helpers/temp-home.js';

test('validation records leave every class of the train split mostly on the fitting side', () => {
  const home = tempHome('validation-records');
  const workspace = Workspace.open(home.dir);
  try {
    // The bundled records with 100 and 119 as the test side: 106 (N, V), 208 (N, V and nearly all F beats) and
    // 209 (N and nearly all S beats) train. Holding out 208 or 209 would leave F or S almost unseen.
    const imported = importWfdbDataset(
      workspace,
      { inputs: [resourcePath('mitdb')], name: 'bundled', split: parseSplitSpec('test:100,119') },
      quietContext(),
    );
    const dataset = loadEcgDataset(workspace, imported.datasetId);
    const train = splitIndices(dataset, 'train');
    const recordIds = [...new Set(Array.from(train, (i) => dataset.record[i] as number))];
    assert.deepEqual(recordIds.map((r) => dataset.records[r]).sort(), ['106', '208', '209']);
    const candidates = { labels: dataset.labels, group: dataset.record, indices: train };
    const held = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const chosen = chooseValidationRecords(recordIds, 0.2, seed, candidates);
      assert.equal(chosen.size, 1);
      const name = dataset.records[[...chosen][0] as number] as string;
      held.add(name);
      assert.deepEqual(chooseValidationRecords(recordIds, 0.2, seed, candidates), chosen, 'reproducible');
    }
    assert.deepEqual([...held], ['106'], 'only the record whose classes live elsewhere too is held out');
    // Without labels the draw is the plain seeded one, and over seeds it reaches the other records as well.
    const plain = new Set<number>();
    for (let seed = 1; seed <= 12; seed++)
      for (const r of chooseValidationRecords(recordIds, 0.2, seed)) plain.add(r);
    assert.ok(plain.size > 1);
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('a record that holds a class alone is never held out; failing that, the draw that loses least', () => {
  // Records 0 and 1 hold classes 1 and 2 alone: only record 2 (class 0, shared) may be held out.
  const labels = Uint8Array.from([0, 0, 1, 1, 0, 2, 0, 0]);
  const group = Uint8Array.from([0, 0, 0, 0, 1, 1, 2, 2]);
  const indices = Int32Array.from(labels.keys());
  for (let seed = 1; seed <= 5; seed++)
    assert.deepEqual([...chooseValidationRecords([0, 1, 2], 0.2, seed, { labels, group, indices })], [2]);
  // Every record holds more than half of some class: holding out 0 or 1 keeps 40% of a class, 2 only 33% of
  // class 0, so the choice is never record 2.
  const labels2 = Uint8Array.from([1, 1, 1, 0, 2, 2, 2, 0, 1, 1, 2, 2, 0, 0, 0, 0]);
  const group2 = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  const indices2 = Int32Array.from(labels2.keys());
  for (let seed = 1; seed <= 5; seed++) {
    const chosen = chooseValidationRecords([0, 1, 2], 0.2, seed, {
      labels: labels2,
      group: group2,
      indices: indices2,
    });
    assert.ok(!chosen.has(2), `seed ${seed}: ${[...chosen].join()}`);
  }
  assert.throws(() => chooseValidationRecords([0], 0.2, 1, { labels, group, indices }), /at least 2 records/);
});
