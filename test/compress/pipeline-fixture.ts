import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tempHome } from '../helpers/temp-home.js';

/**
 * A real workspace with a real trained ecg-resnet: three bundled MIT-BIH records cut to their first minutes
 * (a few hundred beats each; 209 and 106 train, one of them held out for validation; 119 is the test record),
 * trained for two epochs on the wasm backend. Enough for compression to have something to keep or lose.
 */
export async function trainedWorkspace(seconds = 240): Promise<{
  workspace: Workspace;
  datasetId: string;
  modelId: string;
  cleanup: () => void;
}> {
  await initEngine('wasm');
  const home = tempHome('compress');
  const workspace = Workspace.open(home.dir);
  const imported = importWfdbDataset(
    workspace,
    {
      inputs: ['106', '119', '208', '209'].map((r) => resourcePath('mitdb', r)),
      name: 'mitdb minutes',
      split: parseSplitSpec('test:119'),
      durationSeconds: seconds,
    },
    quietContext(),
  );
  const trained = await trainModel(
    workspace,
    { datasetId: imported.datasetId, arch: 'ecg-resnet', epochs: 3, seed: 3 },
    quietContext(),
  );
  return {
    workspace,
    datasetId: imported.datasetId,
    modelId: trained.modelId,
    cleanup: () => {
      workspace.close();
      home.cleanup();
    },
  };
}
