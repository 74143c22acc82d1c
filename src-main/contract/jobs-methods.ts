import { z } from 'zod';

/**
 * Training methods and their comparisons with the plain baseline, as jobs of the engine: the training options
 * the `train` job takes besides the baseline's, the comparison jobs, and the stored comparisons the UI reads.
 * The core parses every text option again (lr-policy.ts, semi-supervised.ts, adversarial-hardening.ts); the schemas here
 * bound sizes and kinds so that nothing absurd reaches it.
 */

const id = z.string().min(1).max(100);
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const epochs = z.number().int().min(1).max(1000);
const arch = z.string().min(1).max(100);
const split = z.enum(['train', 'test', 'all']);
const fraction = z.number().gt(0).max(1);

/** The learning-rate policies of lr-policy.ts, as the UI offers them (each has defaults for its numbers). */
export const LR_POLICY_NAMES = [
  'constant',
  'step',
  'exp',
  'cosine',
  'triangular',
  'triangular2',
  'exp-range',
  'onecycle',
] as const;
export const SEMI_METHODS = ['mean-teacher', 'vat', 'ema-vat'] as const;
export const HARDENING_NAMES = ['pgd', 'diverse', 'manifold'] as const;
/** The configurations of an augmentation comparison (core/pipelines/compare/compare-augmentation.ts). */
export const AUGMENT_CONFIGURATION_NAMES = ['none', 'classic', 'synthetic', 'both'] as const;

/** Options of the `train` job beyond the plain baseline's (the same as `attest train`'s flags). */
export const trainMethodFields = {
  /** --lr-policy, e.g. "cosine" or "onecycle:0.003". */
  lrPolicy: z.string().trim().min(1).max(200).optional(),
  /** --sampler: 'balanced' draws the classes about equally each epoch (no class weights then). */
  sampler: z.enum(['shuffle', 'balanced']).optional(),
  /** --stability ALPHA[:SIGMA]. */
  stability: z.string().trim().min(1).max(50).optional(),
  /** --labeled-fraction: the share of training samples whose label is used. */
  labeledFraction: fraction.optional(),
  /** --semi METHOD[:...]. */
  semi: z.string().trim().min(1).max(100).optional(),
  /** --low-bit 8: 8-bit weights and gradients (activations too with ecg-resnet-q8). */
  lowBit: z.literal(8).optional(),
  /** --harden pgd|diverse|manifold:... */
  hardening: z.string().trim().min(1).max(200).optional(),
  /** --augment classic|synthetic:RATIO[,classic] (image datasets). */
  augment: z.string().trim().min(1).max(100).optional(),
  /** --generator-epochs: training of the generator behind synthetic patches. */
  generatorEpochs: z.number().int().min(1).max(1000).optional(),
};

export const methodJobSchemas = [
  /** Learning-rate range test: loss against a growing rate, and a suggested rate. */
  z.strictObject({
    kind: z.literal('lr-find'),
    datasetId: id,
    arch,
    seed,
    minRate: z.number().min(1e-12).max(10).optional(),
    maxRate: z.number().min(1e-12).max(10).optional(),
    steps: z.number().int().min(10).max(10_000).optional(),
    batchSize: z.number().int().min(1).max(4096).optional(),
  }),
  z.strictObject({
    kind: z.literal('lr-compare'),
    datasetId: id,
    arch,
    policies: z.array(z.string().trim().min(1).max(200)).min(1).max(12),
    epochs,
    seeds: z.array(seed).min(1).max(10),
    learningRate: z.number().min(1e-7).max(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('semi-compare'),
    datasetId: id,
    arch,
    method: z.string().trim().min(1).max(100),
    fractions: z.array(fraction).min(1).max(10),
    epochs,
    seed,
  }),
  z.strictObject({ kind: z.literal('lowbit-compare'), datasetId: id, epochs, seed }),
  /** Activation sparsity of models side by side; their latency is measured first unless asked not to. */
  z.strictObject({
    kind: z.literal('sparsity-compare'),
    modelIds: z.array(id).min(1).max(10),
    datasetId: id,
    split,
    samples: z.number().int().min(1).max(100_000).optional(),
    measureLatency: z.boolean().optional(),
  }),
  /** Integrated-Gradients sparseness and stability of models side by side (before and after a method). */
  z.strictObject({
    kind: z.literal('explain-compare'),
    modelIds: z.array(id).min(1).max(10),
    datasetId: id,
    split,
    samples: z.number().int().min(1).max(5000).optional(),
    steps: z.number().int().min(4).max(512).optional(),
    noise: z.number().min(1e-6).max(10).optional(),
    seed: seed.optional(),
  }),
  /** The membership defence (trained unless the model is a defended child) and the attack before and after. */
  z.strictObject({
    kind: z.literal('membership-compare'),
    modelId: id,
    epochs: z.number().int().min(1).max(200).optional(),
    samples: z.number().int().min(10).max(1_000_000).optional(),
    seed: seed.optional(),
    membershipSamples: z.number().int().min(10).max(100_000).optional(),
    shadowModels: z.number().int().min(0).max(64).optional(),
  }),
  /** Augmentation (none, classical, synthetic GAN patches, both) per share of the data (`attest augment compare`). */
  z.strictObject({
    kind: z.literal('augment-compare'),
    datasetId: id,
    arch: arch.optional(),
    fractions: z.array(fraction).min(1).max(10).optional(),
    seeds: z.array(seed).min(1).max(10).optional(),
    epochs: epochs.optional(),
    ratio: z.number().gt(0).max(10).optional(),
    generatorEpochs: z.number().int().min(1).max(1000).optional(),
    configurations: z.array(z.enum(AUGMENT_CONFIGURATION_NAMES)).min(1).max(4).optional(),
  }),
] as const;

export type MethodJobSpec = z.infer<(typeof methodJobSchemas)[number]>;
export type MethodJobKind = MethodJobSpec['kind'];
export const METHOD_JOB_KINDS: readonly MethodJobKind[] = methodJobSchemas.map((s) => s.shape.kind.value);

export function isMethodJob(spec: { kind: string }): spec is MethodJobSpec {
  return (METHOD_JOB_KINDS as readonly string[]).includes(spec.kind);
}

/** The kind of the comparison each job stores (lr-find stores none: its curve is the job's result). */
export const COMPARISON_OF_JOB: Record<MethodJobKind, string | null> = {
  'lr-find': null,
  'lr-compare': 'lr-policies',
  'semi-compare': 'semi-supervised',
  'lowbit-compare': 'low-bit',
  'sparsity-compare': 'activation-sparsity',
  'explain-compare': 'attribution',
  'membership-compare': 'membership-defense',
  'augment-compare': 'augmentation',
};

const comparisonSchema = z.object({
  id: z.string(),
  kind: z.string(),
  datasetId: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  result: z.record(z.string(), z.unknown()),
  backend: z.string(),
  createdAt: z.string(),
  models: z.array(z.object({ modelId: z.string(), role: z.string() })),
});
export type ComparisonView = z.infer<typeof comparisonSchema>;

const trainingMethodSchema = z.object({ comparison: z.string(), label: z.string(), value: z.string() });
export type TrainingMethodView = z.infer<typeof trainingMethodSchema>;

/** A research method's newest reproduction on this installation (core/methods/method-evidence.ts). */
const methodEvidenceSchema = z.object({
  method: z.string(),
  verdict: z.enum(['shown', 'not shown', 'inconclusive', 'not measured']),
  note: z.string(),
  claim: z.string().optional(),
  measuredAt: z.string().optional(),
  seeds: z.number().optional(),
  mean: z.number().optional(),
  interval: z.tuple([z.number(), z.number()]).nullable().optional(),
});
export type MethodEvidenceView = z.infer<typeof methodEvidenceSchema>;

export const methodActions = {
  /**
   * Per research method (lowrank-lp, nmutant, diversity-training, membership-defense), the verdict of its newest
   * `methods reproduce` here, or "not measured": the UI notes it wherever it offers the method.
   */
  'methods.evidence': {
    request: z.strictObject({}),
    response: z.object({ methods: z.array(methodEvidenceSchema) }),
  },
  /** Stored comparisons (newest first), all or of a dataset, and the training methods of every model. */
  'comparisons.list': {
    request: z.strictObject({ datasetId: id.optional() }),
    response: z.object({
      comparisons: z.array(comparisonSchema),
      /** Models trained with a method, each with its settings; a model not listed was trained plainly. */
      trainingMethods: z.array(z.object({ modelId: z.string(), methods: z.array(trainingMethodSchema) })),
    }),
  },
} as const;

/** The LR range test's answer (core/pipelines/train/lr-range-test.ts), as the chart reads it. */
export interface LrRangeTestView {
  points: { rate: number; loss: number; smoothed: number }[];
  steepestRate: number;
  minimumRate: number;
  suggestedRate: number;
  stoppedEarly: boolean;
}

/** The results stored with each comparison kind, as the compare view and the report read them. */
export interface LrPoliciesResult {
  rows: {
    policy: string;
    runs: { seed: number; modelId: string; accuracy: number; macroF1: number; seconds: number }[];
    meanAccuracy: number;
    meanMacroF1: number;
    sdMacroF1: number;
    epochJitter: number;
    meanSeconds: number;
  }[];
}
interface SemiSide {
  modelId: string;
  macroF1: number;
  accuracy: number;
  labeledSamples: number;
}
export interface SemiResult {
  method: string;
  rows: { fraction: number; supervised: SemiSide; semiSupervised: SemiSide; gain: number }[];
}
export interface LowBitResult {
  rows: { method: string; modelId: string; description: string; accuracy: number; macroF1: number }[];
}
export interface SparsityResult {
  split: string;
  models: {
    modelId: string;
    samples: number;
    overallZeroFraction: number;
    denseMacs: number;
    effectiveMacs: number;
    latencyMs: number | null;
    batchedMsPerSample: number | null;
    layers: { name: string; className: string; zeroFraction: number; elements: number }[];
  }[];
}
export interface AttributionResult {
  models: {
    modelId: string;
    samples: number;
    gini: number;
    topOverlap: number;
    rankCorrelation: number;
    flipped: number;
    completenessError: number;
  }[];
}
interface AttackView {
  auc: number | null;
  advantage: number;
}
interface MembershipSideView {
  modelId: string;
  accuracy: number;
  macroF1: number;
  lossThreshold: AttackView;
  lira: AttackView | null;
}
export interface AugmentationResult {
  split: string;
  rows: {
    configuration: (typeof AUGMENT_CONFIGURATION_NAMES)[number];
    augment: string;
    fraction: number;
    runs: { seed: number; modelId: string; accuracy: number; macroF1: number; syntheticSamples: number }[];
    meanAccuracy: number;
    meanMacroF1: number;
    sdMacroF1: number;
    gainAccuracy: number;
    gainMacroF1: number;
  }[];
  generators: {
    fraction: number;
    seed: number;
    generatorId: string;
    verdict: 'leak' | 'no-leak';
    summary: string;
  }[];
  summary: string;
}
export interface MembershipDefenseResult {
  members: number;
  nonMembers: number;
  before: MembershipSideView;
  after: MembershipSideView;
  advantageChange: number;
}
