import { z } from 'zod';
import { currentSuiteName, LEGACY_SUITE_NAMES, SUITES } from '../core/validate/validate-options.js';
import { policySchema } from '../core/validate/policy-schema.js';
import { methodJobSchemas, trainMethodFields } from './jobs-methods.js';
import { imageJobSchemas } from './jobs-images.js';
import { projectJobSchemas } from './jobs-projects.js';
import { detectionJobSchemas } from './jobs-detection.js';
import { modelJobSchemas } from './jobs-models.js';

const id = z.string().min(1).max(100);
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const numbers = (min: number, max: number) => z.array(z.number().min(min).max(max)).min(1).max(20);

/**
 * The validation suites, from core/validate's own list (a constant of a file without runtime imports, safe for
 * the renderer): a suite added there is reachable here at once.
 */
export const VALIDATION_SUITES = SUITES;

/** The noises of the ECG noise stress test (core/validate/ecg-noises.ts). */
export const ECG_NOISE_NAMES = ['bw', 'ma', 'em', 'pl50', 'pl60', 'offset', 'scale'] as const;

/** Where an ECG import reads from: records bundled with Attest, or folders and record paths on this machine. */
export const wfdbSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sample'),
    records: z
      .array(z.string().regex(/^[0-9]{3}$/, 'a bundled record is named by three digits'))
      .min(1)
      .max(50),
  }),
  z.strictObject({ kind: z.literal('paths'), paths: z.array(z.string().min(1).max(4096)).min(1).max(200) }),
]);

/** Split specification as the CLI's --split accepts it (parsed and checked again by the core). */
const splitSpec = z.string().min(1).max(200);

/** How beats become model inputs (core/pipelines/import/beat-dataset-builder.ts BEAT_PRESETS), as --preset on the CLI. */
const beatPreset = z.enum(['standardize-per-beat', 'kachuee2018', 'record-normalized-rr']).optional();

export const jobSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('import-wfdb'),
    name: z.string().trim().min(1).max(200),
    source: wfdbSourceSchema,
    split: splitSpec,
    durationSeconds: z.number().min(1).max(1e7).optional(),
    preset: beatPreset,
  }),
  z.strictObject({
    kind: z.literal('import-edf'),
    name: z.string().trim().min(1).max(200),
    paths: z.array(z.string().min(1).max(4096)).min(1).max(200),
    split: splitSpec,
    lead: z.string().min(1).max(100).optional(),
    beatsDir: z.string().min(1).max(4096).optional(),
    preset: beatPreset,
  }),
  z.strictObject({
    kind: z.literal('import-timeseries'),
    name: z.string().trim().min(1).max(200),
    paths: z.array(z.string().min(1).max(4096)).min(1).max(200),
    layout: z.enum(['beats', 'samples']),
    fs: z.number().min(1).max(100_000),
    testFile: z.string().min(1).max(4096).optional(),
    split: splitSpec.optional(),
    lead: z.string().min(1).max(100).optional(),
    beatsDir: z.string().min(1).max(4096).optional(),
    units: z.enum(['mV', 'uV', 'V']).optional(),
    preset: beatPreset,
  }),
  z.strictObject({
    kind: z.literal('import-synthetic'),
    name: z.string().trim().min(1).max(200),
    records: z.number().int().min(1).max(500),
    seconds: z.number().min(10).max(86400),
    seed,
    split: splitSpec,
  }),
  z.strictObject({
    kind: z.literal('train'),
    datasetId: id,
    arch: z.string().min(1).max(100),
    epochs: z.number().int().min(1).max(1000),
    seed,
    batchSize: z.number().int().min(1).max(4096).optional(),
    learningRate: z.number().min(1e-7).max(1).optional(),
    /** Without learningRate: a short learning-rate range test chooses it (the training form's default). */
    lrRangeTest: z.boolean().optional(),
    patience: z.number().int().min(1).max(1000).optional(),
    maxMinutes: z.number().min(0.05).max(100000).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    ...trainMethodFields,
  }),
  // An interrupted, failed or cancelled training, continued from its last checkpoint with its own settings.
  z.strictObject({
    kind: z.literal('train-resume'),
    jobId: id,
    maxMinutes: z.number().min(0.05).max(100000).optional(),
  }),
  z.strictObject({
    kind: z.literal('compress'),
    modelId: id,
    recipe: z.string().min(1).max(200),
    fineTuneEpochs: z.number().int().min(0).max(100).optional(),
    seed: seed.optional(),
    name: z.string().trim().min(1).max(200).optional(),
  }),
  z.strictObject({
    kind: z.literal('validate'),
    modelId: id,
    datasetId: id,
    split: z.enum(['train', 'test', 'all']),
    // A suite's former name (a job queued by an older desk) is read as its current one.
    suites: z
      .array(
        z
          .enum([
            ...VALIDATION_SUITES,
            ...(Object.keys(LEGACY_SUITE_NAMES) as (keyof typeof LEGACY_SUITE_NAMES)[]),
          ])
          .transform((name) => currentSuiteName(name) as (typeof VALIDATION_SUITES)[number]),
      )
      .min(1)
      .max(VALIDATION_SUITES.length),
    epsilons: numbers(0, 10).optional(),
    snrs: numbers(-30, 60).optional(),
    noises: z.array(z.enum(ECG_NOISE_NAMES)).min(1).max(ECG_NOISE_NAMES.length).optional(),
    seed: seed.optional(),
    threshold: z.number().min(0).max(1).optional(),
    /** The model compared with for the findings and drop criteria; default the parent. */
    referenceModelId: id.optional(),
    /** The model whose gradients craft the transfer suite's examples; default the parent. */
    surrogateModelId: id.optional(),
    /** Where the forward-only suites run; default measured. */
    forwardRuntime: z.enum(['auto', 'tfjs', 'onnxruntime']).optional(),
    positiveClass: z.string().min(1).max(100).optional(),
    temperatureScaling: z.boolean().optional(),
    pgdNorms: z
      .array(z.enum(['Linf', 'L2']))
      .min(1)
      .max(2)
      .optional(),
    l2Epsilons: numbers(0, 1000).optional(),
    pgdSteps: z.number().int().min(1).max(10_000).optional(),
    pgdRestarts: z.number().int().min(1).max(100).optional(),
    target: z.string().min(1).max(100).optional(),
    sparseBudgets: z.array(z.number().int().min(0).max(1_000_000)).min(1).max(20).optional(),
    squareQueries: z.number().int().min(1).max(100_000).optional(),
    membershipSamples: z.number().int().min(10).max(100_000).optional(),
    shadowModels: z.number().int().min(0).max(64).optional(),
    shadowEpochs: z.number().int().min(1).max(1000).optional(),
    detectionSamples: z.number().int().min(10).max(100_000).optional(),
    detectionEpsilon: z.number().min(0).max(10).optional(),
    /** Acceptance criteria from the UI's policy form, the same format as a --policy file. */
    policy: policySchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('measure'),
    modelId: id,
    runs: z.number().int().min(1).max(10_000).optional(),
  }),
  /** The model's report, as HTML (default) or as PDF for filing. */
  z.strictObject({ kind: z.literal('report'), modelId: id, format: z.enum(['html', 'pdf']).optional() }),
  /** The model in the TF.js layers format (model.json + weight shards) as one zip to download. */
  z.strictObject({
    kind: z.literal('export-model'),
    modelId: id,
    weights: z.enum(['stored', 'float32', 'float16', 'uint8']).optional(),
  }),
  /** The audit bundle (reports, model cards, events, signed checkpoint, key, manifest, standalone verifier). */
  z.strictObject({ kind: z.literal('audit-bundle'), modelId: id.optional() }),
  ...methodJobSchemas,
  ...imageJobSchemas,
  ...projectJobSchemas,
  ...detectionJobSchemas,
  ...modelJobSchemas,
]);
export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobKind = JobSpec['kind'];

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job of the queue as the UI shows it (the core keeps its own row in SQLite for each run). */
export const jobViewSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: z.enum(JOB_STATES),
  fraction: z.number(),
  message: z.string(),
  queuedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  /** Seconds left, estimated from the progress so far; null until there is enough progress to tell. */
  remainingSeconds: z.number().nullable(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type JobView = z.infer<typeof jobViewSchema>;
