import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { namedJobTitle } from '../../src-main/server/dispatch/named-job-title.js';
import { tempHome } from '../helpers/temp-home.js';

test('job titles name datasets by their names, and one epoch is not "1 epochs"', () => {
  const home = tempHome('named-job-title');
  const workspace = Workspace.open(home.dir);
  try {
    const { datasetId } = importWfdbDataset(
      workspace,
      {
        inputs: ['100', '119'].map((r) => resourcePath('mitdb', r)),
        name: 'two records',
        split: parseSplitSpec('test:119'),
        durationSeconds: 20,
      },
      quietContext(),
    );
    const spec = { kind: 'train', datasetId, arch: 'ecg-resnet', epochs: 1, seed: 1 } as const;
    assert.equal(namedJobTitle(workspace, spec), 'Train ecg-resnet on “two records” (1 epoch)');
    assert.equal(
      namedJobTitle(workspace, { ...spec, epochs: 3 }),
      'Train ecg-resnet on “two records” (3 epochs)',
    );
    // An id the store does not know stays as it is (the job will say what is wrong).
    assert.equal(
      namedJobTitle(workspace, { ...spec, datasetId: 'ds-unknown' }),
      'Train ecg-resnet on ds-unknown (1 epoch)',
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
