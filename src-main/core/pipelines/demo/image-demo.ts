import { join } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import type { JobContext } from '../../jobs/job-context.js';
import { importImageDataset } from '../import/import-image-dataset.js';
import { writeSyntheticInsulators, writeSyntheticMammograms } from '../../data/images/write-synthetic.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { stage, trainCompressValidate, type DemoResult } from './demo-path.js';

export interface ImageDemoOptions {
  data: 'mammograms' | 'insulators';
  epochs?: number;
  maxMinutes?: number;
  recipe?: string;
}

/** The writing and import's share of the demo's progress bar. */
const IMPORT_SHARE = 0.06;

/**
 * The whole path on generated images, no patient data: synthetic DICOM mammograms (split by patient) or power-line
 * scenes with VOC boxes (split by flight) written beside the database, imported, a small-cnn baseline trained, a
 * pruned int8 child derived, both validated (clean and FGSM) on the same test groups, and the report written.
 */
export async function runImageDemo(
  workspace: Workspace,
  options: ImageDemoOptions,
  context: JobContext,
): Promise<DemoResult> {
  const started = Date.now();
  const recipe = options.recipe ?? 'prune:0.5,quant:int8';
  const folder = join(workspace.home, `demo-${options.data}`);
  context.progress(0, `writing synthetic ${options.data}`);
  const imported =
    options.data === 'mammograms'
      ? await (async () => {
          await writeSyntheticMammograms({
            out: folder,
            patients: 60,
            imagesPerPatient: 4,
            size: 64,
            seed: 1,
            format: 'dicom',
          });
          return importImageDataset(
            workspace,
            {
              format: 'dicom',
              inputs: [folder],
              name: 'Synthetic mammogram patches (no patient data)',
              height: 48,
              // Tissue density varies from patch to patch; per-image normalization lets the network see the lesions.
              normalization: 'per-image',
            },
            stage(context, 0.02, IMPORT_SHARE),
          );
        })()
      : await (async () => {
          await writeSyntheticInsulators({
            out: folder,
            flights: 8,
            imagesPerFlight: 25,
            width: 128,
            height: 96,
            seed: 1,
          });
          return importImageDataset(
            workspace,
            {
              format: 'voc',
              inputs: [folder],
              name: 'Synthetic insulator strings',
              height: 48,
              groupBy: 'folder',
            },
            stage(context, 0.02, IMPORT_SHARE),
          );
        })();
  return trainCompressValidate(
    workspace,
    {
      datasetId: imported.datasetId,
      train: {
        arch: 'small-cnn',
        epochs: options.epochs ?? 15,
        seed: 1,
        maxMinutes: options.maxMinutes ?? 6,
        batchSize: 16,
        learningRate: 0.002,
        patience: 8,
      },
      recipe,
      suites: ['clean', 'fgsm'],
      trainFrom: IMPORT_SHARE,
      acceptance: () => {
        const dataset = loadDataset(workspace, imported.datasetId);
        return { kind: dataset.kind, classes: dataset.classes };
      },
      started,
    },
    context,
  );
}
