import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  dataSufficiencyWarnings,
  ECG_RECORDS,
  IMAGE_GROUPS,
} from '../../src-main/core/data/data-sufficiency.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { getDataset } from '../../src-main/core/store/datasets.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { tempHome } from '../helpers/temp-home.js';

test('a sound split raises nothing; each insufficiency is named with its remedy', () => {
  const both = { N: 500, S: 40, V: 60 };
  assert.deepEqual(
    dataSufficiencyWarnings(
      { train: { classes: both, groups: 20 }, test: { classes: both, groups: 8 } },
      ECG_RECORDS,
    ),
    [],
  );
  const warnings = dataSufficiencyWarnings(
    {
      train: { classes: { N: 500, S: 0, V: 60 }, groups: 1 },
      test: { classes: { N: 300, S: 12, V: 0 }, groups: 2 },
    },
    ECG_RECORDS,
  );
  assert.equal(warnings.length, 4);
  assert.match(warnings[0] ?? '', /class S has 12 test samples but none for training.*--split ds1ds2.*kfold/);
  assert.match(warnings[1] ?? '', /class V has no test sample: its sensitivity cannot be measured/);
  assert.match(warnings[2] ?? '', /a single training record/);
  assert.match(warnings[3] ?? '', /only 2 test records \(fewer than 5\)/);
  // A split given by the source (MedMNIST) has no groups to count, only classes to check.
  assert.deepEqual(
    dataSufficiencyWarnings(
      { train: { classes: both, groups: 1 }, test: { classes: both, groups: 1 } },
      IMAGE_GROUPS('given'),
    ),
    [],
  );
});

test('an import with one test record says so in its result and its stored summary', () => {
  const home = tempHome('attest-sufficiency');
  const workspace = Workspace.open(home.dir);
  try {
    const result = importSyntheticEcgDataset(
      workspace,
      { name: 'few', records: 4, seconds: 20, seed: 2, split: parseSplitSpec('records:1:0.25') },
      quietContext(),
    );
    assert.ok(result.dataSufficiency.some((w) => /only 1 test record \(fewer than 5\)/.test(w)));
    const summary = getDataset(workspace.db, result.datasetId).summary as { dataSufficiency: string[] };
    assert.deepEqual(summary.dataSufficiency, result.dataSufficiency);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
