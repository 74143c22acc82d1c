import { z } from 'zod';

/**
 * Object detection as jobs of the engine: the same options as `attest import detection` and `attest detect
 * train|evaluate|curve|compress|robustness|attack`. The core checks every value again (train-detector.ts,
 * learning-curve.ts, compress-detector.ts, ...); the schemas bound sizes and kinds so that nothing absurd
 * reaches it. Constants are spelled out here (the renderer may not import the core); a test compares them.
 */

const id = z.string().min(1).max(100);
const path = z.string().min(1).max(4096);
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
/** Square detector input, pixels per side: a multiple of 16 (the backbone halves it four times). */
const inputSide = z
  .number()
  .int()
  .min(32)
  .max(512)
  .refine((n) => n % 16 === 0, 'the detector input must be a multiple of 16 pixels');
const score = z.number().gt(0).lt(1);

/** Natural corruptions a detector is scored under (core/validate/image-corruptions.ts). */
export const DETECTION_CORRUPTIONS = [
  'fog',
  'glare',
  'blur',
  'gaussian',
  'jpeg',
  'shot',
  'contrast',
  'brightness',
] as const;
/** The inspection-flight conditions `attest detect robustness` runs by default. */
export const DEFAULT_DETECTION_CORRUPTIONS = ['fog', 'glare', 'blur', 'gaussian', 'jpeg'] as const;
/** The validation suites the detection jobs store (evaluate-detector.ts and its neighbours). */
export const DETECTION_SUITES = {
  evaluation: 'object-detection',
  corruptions: 'object-detection-corruptions',
  attack: 'object-detection-pgd',
} as const;

export const detectionJobSchemas = [
  z.strictObject({
    kind: z.literal('import-detection'),
    name: z.string().trim().min(1).max(200),
    /** VOC annotation folders or .xml files (each image beside its XML or in ../JPEGImages). */
    paths: z.array(path).min(1).max(200),
    /** Frames larger than this (longest side, px) are shrunk at import. */
    maxSide: z.number().int().min(32).max(4096).optional(),
    groupBy: z.enum(['folder', 'image']).optional(),
    /** Share of groups (flights) held out for testing, and the seed of the draw. */
    testFraction: z.number().gt(0).lt(1).optional(),
    splitSeed: seed.optional(),
    classNames: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
  }),
  z.strictObject({
    kind: z.literal('detect-train'),
    datasetId: id,
    epochs: z.number().int().min(1).max(10000),
    seed,
    input: inputSide.optional(),
    batchSize: z.number().int().min(1).max(256).optional(),
    learningRate: z.number().min(1e-7).max(1).optional(),
    stepsPerEpoch: z.number().int().min(1).max(100000).optional(),
    frames: z.number().int().min(1).max(1e7).optional(),
    maxMinutes: z.number().min(0.01).max(100000).optional(),
    name: z.string().trim().min(1).max(200).optional(),
  }),
  z.strictObject({
    kind: z.literal('detect-evaluate'),
    modelId: id,
    datasetId: id,
    split: z.enum(['train', 'test', 'all']).optional(),
    minScore: score.optional(),
    tiles: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal('detect-curve'),
    datasetId: id,
    frames: z.array(z.number().int().min(1).max(1e6)).min(1).max(12),
    steps: z.number().int().min(1).max(100000).optional(),
    seed: seed.optional(),
    input: inputSide.optional(),
  }),
  z.strictObject({
    kind: z.literal('detect-compress'),
    modelId: id,
    recipe: z.string().trim().min(1).max(200),
    fineTuneSteps: z.number().int().min(0).max(100000).optional(),
    datasetId: id.optional(),
    minScore: score.optional(),
    seed: seed.optional(),
  }),
  z.strictObject({
    kind: z.literal('detect-robustness'),
    modelId: id,
    datasetId: id.optional(),
    corruptions: z.array(z.enum(DETECTION_CORRUPTIONS)).min(1).max(DETECTION_CORRUPTIONS.length).optional(),
    severities: z.array(z.number().int().min(1).max(5)).min(1).max(5).optional(),
    seed: seed.optional(),
  }),
  z.strictObject({
    kind: z.literal('detect-attack'),
    modelId: id,
    datasetId: id.optional(),
    /** L-infinity budgets in intensity units of [0, 1] (1/255 is one 8-bit grey level). */
    epsilons: z.array(z.number().gt(0).max(0.5)).min(1).max(12).optional(),
    steps: z.number().int().min(1).max(100).optional(),
  }),
] as const;

export type DetectionJobSpec = z.infer<(typeof detectionJobSchemas)[number]>;
export type DetectionJobKind = DetectionJobSpec['kind'];
export const DETECTION_JOB_KINDS: readonly DetectionJobKind[] = detectionJobSchemas.map(
  (s) => s.shape.kind.value,
);

export function isDetectionJob(spec: { kind: string }): spec is DetectionJobSpec {
  return (DETECTION_JOB_KINDS as readonly string[]).includes(spec.kind);
}

/** What each detection job changes in the store, so that the UI refreshes those lists when it ends. */
export const DETECTION_JOB_CHANGES: Record<
  DetectionJobKind,
  ('datasets' | 'models' | 'validations' | 'audit')[]
> = {
  'import-detection': ['datasets', 'audit'],
  'detect-train': ['models', 'audit'],
  'detect-evaluate': ['validations', 'audit'],
  'detect-curve': ['audit'],
  'detect-compress': ['models', 'validations', 'audit'],
  'detect-robustness': ['validations', 'audit'],
  'detect-attack': ['validations', 'audit'],
};
