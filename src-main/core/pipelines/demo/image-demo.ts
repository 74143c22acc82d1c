import { join } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import type { JobContext } from '../../jobs/job-context.js';
import { trainModel } from '../train/train-model.js';
import { compressModel } from '../compress/compress-model.js';
import { validateModel } from '../validate/validate-model.js';
import { exportModelReport } from '../export/export-report.js';
import { importImageDataset } from '../import/import-image-dataset.js';
import { writeSyntheticInsulators, writeSyntheticMammograms } from '../../data/images/write-synthetic.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { demoAcceptanceProfile, demoVerdict, type DemoVerdict } from './demo-verdict.js';

export interface ImageDemoOptions {
  data: 'mammograms' | 'insulators';
  epochs?: number;
  maxMinutes?: number;
  recipe?: string;
}

function stage(context: JobContext, from: number, to: number): JobContext {
  return { ...context, progress: (f, m) => context.progress(from + f * (to - from), m) };
}

/**
 * The whole path on generated images, no patient data: synthetic DICOM mammograms (split by patient) or power-line
 * scenes with VOC boxes (split by flight) written beside the database, imported, a small-cnn baseline trained, a
 * pruned int8 child derived, both validated (clean and FGSM) on the same test groups, and the report written.
 */
export async function runImageDemo(workspace: Workspace, options: ImageDemoOptions, context: JobContext) {
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
            stage(context, 0.02, 0.06),
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
            stage(context, 0.02, 0.06),
          );
        })();
  const trained = await trainModel(
    workspace,
    {
      datasetId: imported.datasetId,
      arch: 'small-cnn',
      epochs: options.epochs ?? 15,
      seed: 1,
      maxMinutes: options.maxMinutes ?? 6,
      batchSize: 16,
      learningRate: 0.002,
      patience: 8,
    },
    stage(context, 0.06, 0.7),
  );
  const compressed = await compressModel(
    workspace,
    { modelId: trained.modelId, recipe, fineTuneEpochs: 2 },
    stage(context, 0.7, 0.8),
  );
  const clean: ({ accuracy: number; macroF1: number } & DemoVerdict)[] = [];
  const dataset = loadDataset(workspace, imported.datasetId);
  for (const [k, modelId] of [trained.modelId, compressed.modelId].entries()) {
    const policy = demoAcceptanceProfile(dataset.kind, dataset.classes, k === 1);
    const result = (await validateModel(
      workspace,
      {
        modelId,
        datasetId: imported.datasetId,
        split: 'test',
        suites: ['clean', 'fgsm'],
        ...(policy !== undefined ? { policy } : {}),
      },
      stage(context, 0.8 + k * 0.095, 0.8 + (k + 1) * 0.095),
    )) as { clean?: { accuracy: number; macroF1: number } };
    clean.push({
      accuracy: result.clean?.accuracy ?? NaN,
      macroF1: result.clean?.macroF1 ?? NaN,
      ...demoVerdict(result),
    });
  }
  const report = exportModelReport(workspace, compressed.modelId, join(workspace.home, 'report.html'));
  context.progress(1, 'demo finished');
  return {
    datasetId: imported.datasetId,
    modelId: trained.modelId,
    compressedModelId: compressed.modelId,
    recipe,
    baselineBytes: trained.sizeBytes,
    compressedBytes: compressed.sizeBytes,
    baseline: clean[0] as { accuracy: number; macroF1: number } & DemoVerdict,
    compressed: clean[1] as { accuracy: number; macroF1: number } & DemoVerdict,
    reportPath: report.path,
    seconds: (Date.now() - started) / 1000,
  };
}
