import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { compressModel } from '../../src-main/core/pipelines/compress/compress-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { initEngine } from '../../src-main/core/engine/backend.js';

export interface SeededRun {
  datasetId: string;
  parentId: string;
  childId: string;
}

/**
 * A real run for the UI to show, made by the same core functions as the jobs, in a fresh home without
 * accounts: three bundled MIT-BIH records cut to their first two minutes (119 is the test record), an
 * ecg-resnet trained for two epochs, a child pruned to 70 % and stored as int8 (one fine-tuning epoch, scored
 * on the held-out records), and a validation of each on the test record (clean metrics with intervals,
 * calibration).
 */
export async function seedRun(home: string): Promise<SeededRun> {
  await initEngine('wasm');
  const workspace = Workspace.open(home);
  try {
    const imported = importWfdbDataset(
      workspace,
      {
        inputs: ['106', '119', '209'].map((r) => resourcePath('mitdb', r)),
        name: 'seeded minutes',
        split: parseSplitSpec('test:119'),
        durationSeconds: 120,
      },
      quietContext(),
    );
    const datasetId = imported.datasetId;
    const trained = await trainModel(
      workspace,
      { datasetId, arch: 'ecg-resnet', epochs: 2, seed: 4 },
      quietContext(),
    );
    const compressed = await compressModel(
      workspace,
      { modelId: trained.modelId, recipe: 'prune:0.7,quant:int8', fineTuneEpochs: 1, latencyRuns: 5 },
      quietContext(),
    );
    for (const modelId of [trained.modelId, compressed.modelId])
      await validateModel(
        workspace,
        { modelId, datasetId, split: 'test', suites: ['clean', 'calibration'] },
        quietContext(),
      );
    return { datasetId, parentId: trained.modelId, childId: compressed.modelId };
  } finally {
    workspace.close();
  }
}
