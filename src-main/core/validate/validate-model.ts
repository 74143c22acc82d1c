import type { Workspace } from '../store/workspace.js';
import { engineInfo } from '../engine/backend.js';
import { decodeModelArtifact } from '../models/artifact.js';
import { getModel } from '../store/models.js';
import { getDataset } from '../store/datasets.js';
import { insertValidation } from '../store/validations.js';
import { appendAuditEvent } from '../audit/log.js';
import { badInput } from '../errors.js';
import { newId, utcNow } from '../util/ids.js';
import { runJob } from '../jobs/run-job.js';
import { throwIfCancelled, type JobContext } from '../jobs/job-context.js';
import { gatherWindows, loadEcgDataset } from '../data/ecg-dataset.js';
import { loadDataset } from '../data/dataset-kinds.js';
import { groupsOf, labelsOf, sampleIndices, type SplitName } from '../data/sample-dataset.js';
import { standardizeBeats } from '../data/ecg/preprocess.js';
import { classificationMetrics } from './metrics.js';
import { recordBootstrap } from './record-bootstrap.js';
import { predictClasses } from './predict.js';
import { ECG_FGSM_UNIT, fgsmSuiteAsync } from './fgsm.js';
import { noiseStressSuiteAsync } from './noise-stress.js';
import { DEFAULT_ECG_NOISES, loadEcgNoises, type EcgNoiseName } from './ecg-noises.js';
import { metricRows } from './rows.js';

export const SUITES = ['clean', 'fgsm', 'noise'] as const;
export type SuiteName = (typeof SUITES)[number];

export function parseSuites(text: string): SuiteName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw badInput(`--suite needs at least one of ${SUITES.join(', ')}`);
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name))
      throw badInput(`unknown suite "${name}"; available: ${SUITES.join(', ')}`);
  }
  return [...new Set(names)] as SuiteName[];
}

export interface ValidateOptions {
  modelId: string;
  datasetId: string;
  split: SplitName;
  suites: SuiteName[];
  epsilons?: number[];
  snrs?: number[];
  /** Noises of the ECG noise stress test; default bw, ma, em. */
  noises?: EcgNoiseName[];
  seed?: number;
}

/**
 * Runs the chosen suites on one model and one split of a dataset and stores the result, its metric rows and
 * the audit event in one transaction.
 */
export async function validateModel(workspace: Workspace, options: ValidateOptions, context: JobContext) {
  const modelRow = getModel(workspace.db, options.modelId);
  const datasetRow = getDataset(workspace.db, options.datasetId);
  const seed = options.seed ?? 1;
  const params = { ...options, seed };
  return runJob(workspace, 'validate', params, context, async (jobId, job) => {
    const backend = engineInfo().backend;
    const dataset = loadDataset(workspace, options.datasetId);
    const meta = modelRow.config['meta'] as { sampleShape?: number[]; classes?: string[] } | undefined;
    const expected = meta?.sampleShape ?? [
      (modelRow.config['meta'] as { inputLength?: number } | undefined)?.inputLength ?? NaN,
      1,
    ];
    if (expected.join('x') !== dataset.sampleShape.join('x')) {
      throw badInput(
        `model ${modelRow.id} reads inputs of shape ${expected.join('x')}; dataset ${dataset.id} gives ${dataset.sampleShape.join('x')}`,
      );
    }
    const indices = sampleIndices(dataset, options.split);
    if (indices.length === 0)
      throw badInput(`dataset ${dataset.id} has no sample in its ${options.split} split`);
    const labels = labelsOf(dataset, indices);
    const records = groupsOf(dataset, indices);
    const inputs = dataset.inputs(indices);
    const sampleShape = dataset.sampleShape;
    const { model } = await decodeModelArtifact(
      workspace.artifacts.get(modelRow.artifactSha256),
      `model ${modelRow.id}`,
    );
    const result: Record<string, unknown> = {
      modelId: modelRow.id,
      datasetId: dataset.id,
      split: options.split,
      n: indices.length,
      backend,
    };
    try {
      const steps = options.suites.length;
      for (const [k, suite] of options.suites.entries()) {
        throwIfCancelled(job.signal);
        job.progress(k / steps, `suite ${suite} (${k + 1}/${steps})`);
        if (suite === 'clean') {
          const predicted = predictClasses(model, inputs, sampleShape);
          result['clean'] = {
            ...classificationMetrics(labels, predicted, dataset.classes),
            // Confidence intervals resample whole records (patients), never beats.
            bootstrap: recordBootstrap({
              labels,
              predicted,
              groups: records,
              classes: dataset.classes,
              seed,
            }),
          };
        } else if (suite === 'fgsm') {
          result['fgsm'] = await fgsmSuiteAsync(
            {
              model,
              inputs,
              sampleShape,
              labels,
              classes: dataset.classes.length,
              unit: dataset.kind === 'ecg-beats' ? ECG_FGSM_UNIT : 'model input units (after preprocessing)',
              ...(options.epsilons !== undefined ? { epsilons: options.epsilons } : {}),
            },
            job,
          );
        } else {
          if (dataset.kind !== 'ecg-beats')
            throw badInput(
              `the noise suite is the ECG noise stress test; dataset ${dataset.id} is ${dataset.kind}`,
            );
          // The noise is added to the raw beats in mV, before the per-beat standardization.
          const ecg = loadEcgDataset(workspace, options.datasetId);
          result['noise'] = await noiseStressSuiteAsync(
            {
              model,
              windows: gatherWindows(ecg, indices),
              length: ecg.length,
              labels,
              recordOfBeat: records,
              noises: loadEcgNoises(options.noises ?? DEFAULT_ECG_NOISES),
              preprocess: (windows: Float32Array): Float32Array => standardizeBeats(windows, ecg.length),
              classes: dataset.classes,
              seed,
              fs: ecg.fs,
              rPeakIndex: ecg.before,
              ...(options.snrs !== undefined ? { snrs: options.snrs } : {}),
            },
            job,
          );
        }
      }
    } finally {
      model.dispose();
    }
    const rows = metricRows(result as Parameters<typeof metricRows>[0]);
    const validationId = newId('val');
    workspace.db.transaction(() => {
      insertValidation(
        workspace.db,
        {
          id: validationId,
          modelId: modelRow.id,
          datasetId: dataset.id,
          split: options.split,
          suites: options.suites,
          backend,
          result,
          createdAt: utcNow(),
        },
        rows,
      );
      appendAuditEvent(workspace.db, {
        action: 'model.validate',
        entityType: 'validation',
        entityId: validationId,
        payload: {
          params: { ...params, jobId },
          backend,
          inputs: [
            { role: 'model', sha256: modelRow.artifactSha256 },
            { role: 'dataset-bundle', sha256: datasetRow.dataSha256 },
          ],
          result: { metricRows: rows.length, modelId: modelRow.id },
        },
      });
    })();
    return { validationId, ...result, metricRows: rows.length };
  });
}
