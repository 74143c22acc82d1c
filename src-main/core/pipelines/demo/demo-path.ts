import { join } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import type { JobContext } from '../../jobs/job-context.js';
import type { SuiteName } from '../../validate/validate-options.js';
import { trainModel, type TrainOptions } from '../train/train-model.js';
import { compressModel } from '../compress/compress-model.js';
import { validateModel } from '../validate/validate-model.js';
import { exportModelReport } from '../export/export-report.js';
import { demoAcceptanceProfile, demoVerdict, type DemoVerdict } from './demo-verdict.js';

/** A demo model's clean figures on the test split with its verdict under the demo's acceptance profile. */
export type DemoOutcome = { accuracy: number; macroF1: number } & DemoVerdict;

export interface DemoResult {
  datasetId: string;
  modelId: string;
  compressedModelId: string;
  recipe: string;
  baselineBytes: number;
  compressedBytes: number;
  baseline: DemoOutcome;
  compressed: DemoOutcome;
  reportPath: string;
  seconds: number;
}

/** What a demo runs on the dataset it imported: the steps after the import are the same for every demo. */
export interface DemoPath {
  datasetId: string;
  train: Omit<TrainOptions, 'datasetId'>;
  recipe: string;
  suites: SuiteName[];
  /** Where training starts on the progress bar (after the import's share). */
  trainFrom: number;
  /** The dataset's kind and classes, which choose the acceptance profile; read when validation starts. */
  acceptance: () => { kind: string; classes: string[] };
  /** When the demo started (Date.now()), for its duration. */
  started: number;
}

/** A context whose progress runs from `from` to `to` of the caller's bar. */
export function stage(context: JobContext, from: number, to: number): JobContext {
  return { ...context, progress: (f, m) => context.progress(from + f * (to - from), m) };
}

/**
 * The product path after an import: train the baseline, derive the compressed child, validate both on the same
 * test split under the demo's acceptance profile (stricter for the child), and write the report beside the
 * database. Progress: training up to 70%, compression to 80%, each validation 9.5%.
 */
export async function trainCompressValidate(
  workspace: Workspace,
  path: DemoPath,
  context: JobContext,
): Promise<DemoResult> {
  const trained = await trainModel(
    workspace,
    { ...path.train, datasetId: path.datasetId },
    stage(context, path.trainFrom, 0.7),
  );
  const compressed = await compressModel(
    workspace,
    { modelId: trained.modelId, recipe: path.recipe, fineTuneEpochs: 2 },
    stage(context, 0.7, 0.8),
  );
  const outcomes: DemoOutcome[] = [];
  const { kind, classes } = path.acceptance();
  for (const [k, modelId] of [trained.modelId, compressed.modelId].entries()) {
    const policy = demoAcceptanceProfile(kind, classes, k === 1);
    const result = (await validateModel(
      workspace,
      {
        modelId,
        datasetId: path.datasetId,
        split: 'test',
        suites: path.suites,
        ...(policy !== undefined ? { policy } : {}),
      },
      stage(context, 0.8 + k * 0.095, 0.8 + (k + 1) * 0.095),
    )) as { clean?: { accuracy: number; macroF1: number } };
    outcomes.push({
      accuracy: result.clean?.accuracy ?? NaN,
      macroF1: result.clean?.macroF1 ?? NaN,
      ...demoVerdict(result),
    });
  }
  const report = exportModelReport(workspace, compressed.modelId, join(workspace.home, 'report.html'));
  context.progress(1, 'demo finished');
  return {
    datasetId: path.datasetId,
    modelId: trained.modelId,
    compressedModelId: compressed.modelId,
    recipe: path.recipe,
    baselineBytes: trained.sizeBytes,
    compressedBytes: compressed.sizeBytes,
    baseline: outcomes[0] as DemoOutcome,
    compressed: outcomes[1] as DemoOutcome,
    reportPath: report.path,
    seconds: (Date.now() - path.started) / 1000,
  };
}
