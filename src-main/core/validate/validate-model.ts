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
import { groupsOf, labelsOf, sampleIndices } from '../data/sample-dataset.js';
import { standardizeBeats } from '../data/ecg/preprocess.js';
import { noiseStressSuiteAsync } from './noise-stress.js';
import { DEFAULT_ECG_NOISES, loadEcgNoises } from './ecg-noises.js';
import { metricRows } from './rows.js';
import { SuiteContext } from './suite-context.js';
import { disagreementSuite } from './disagreement-suite.js';
import { membershipSuite } from './membership-suite.js';
import { detectionSuite } from './detection-suite.js';
import { calibrationSuite, cleanSuite } from './clean-suites.js';
import { fgsmSuiteOf, pgdSuite, sparseSuite, squareSuite, transferSuite } from './attack-suites.js';
import { SUITES, type SuiteName, type ValidateOptions } from './validate-options.js';

export { SUITES, type SuiteName, type ValidateOptions } from './validate-options.js';

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

type SuiteRunner = (ctx: SuiteContext, options: ValidateOptions, job: JobContext) => unknown;

/** What each suite computes; results are stored under the suite's name. */
const SUITE_RUNNERS: Record<SuiteName, SuiteRunner> = {
  clean: (ctx, options) => cleanSuite(ctx, options),
  calibration: (ctx) => calibrationSuite(ctx),
  fgsm: fgsmSuiteOf,
  pgd: pgdSuite,
  sparse: sparseSuite,
  square: squareSuite,
  transfer: transferSuite,
  disagreement: (ctx, _options, job) => disagreementSuite(ctx, job),
  membership: membershipSuite,
  detection: detectionSuite,
  noise: noiseSuite,
};

function noiseSuite(ctx: SuiteContext, options: ValidateOptions, job: JobContext): unknown {
  if (ctx.dataset.kind !== 'ecg-beats')
    throw badInput(
      `the noise suite is the ECG noise stress test; dataset ${ctx.dataset.id} is ${ctx.dataset.kind}`,
    );
  // The noise is added to the raw beats in mV, before the per-beat standardization.
  const ecg = loadEcgDataset(ctx.workspace, options.datasetId);
  return noiseStressSuiteAsync(
    {
      model: ctx.model,
      windows: gatherWindows(ecg, ctx.indices),
      length: ecg.length,
      labels: ctx.labels,
      recordOfBeat: ctx.groups,
      noises: loadEcgNoises(options.noises ?? DEFAULT_ECG_NOISES),
      preprocess: (windows: Float32Array): Float32Array => standardizeBeats(windows, ecg.length),
      classes: ctx.dataset.classes,
      seed: ctx.seed,
      fs: ecg.fs,
      rPeakIndex: ecg.before,
      ...(options.snrs !== undefined ? { snrs: options.snrs } : {}),
    },
    job,
  );
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
    const { model } = await decodeModelArtifact(
      workspace.artifacts.get(modelRow.artifactSha256),
      `model ${modelRow.id}`,
    );
    const ctx = new SuiteContext(
      workspace,
      modelRow,
      model,
      dataset,
      options.split,
      indices,
      labels,
      records,
      inputs,
      seed,
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
        const runner = SUITE_RUNNERS[suite];
        if (runner === undefined)
          throw badInput(`unknown suite "${String(suite)}"; available: ${SUITES.join(', ')}`);
        result[suite] = await runner(ctx, options, job);
      }
    } finally {
      ctx.dispose();
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
