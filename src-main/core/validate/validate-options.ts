import type { SplitName } from '../data/sample-dataset.js';
import type { EcgNoiseName } from './ecg-noises.js';
import type { PgdNorm } from './pgd.js';
import type { Policy } from './policy.js';
import type { ImageCorruption } from './image-corruptions.js';

export const SUITES = [
  'clean',
  'fgsm',
  'noise',
  'calibration',
  'pgd',
  'sparse',
  'square',
  'transfer',
  'disagreement',
  'membership',
  'mutation-detection',
  'corruptions',
  'attribution',
] as const;
export type SuiteName = (typeof SUITES)[number];

/**
 * Names a suite had before, still accepted wherever a suite is named (`--suite`, a job's request, a stored
 * validation) and read as the current name. `detection` (adversarial examples told apart by model mutation) was
 * renamed so that it cannot be mistaken for object detection (`attest detect`). Validations stored before keep
 * the old name in their record: rewriting it would change what their signatures bind.
 */
export const LEGACY_SUITE_NAMES = { detection: 'mutation-detection' } as const satisfies Record<
  string,
  SuiteName
>;

/** A suite name as given or stored, under its current name (unchanged when it is not a former name). */
export function currentSuiteName(name: string): string {
  return (LEGACY_SUITE_NAMES as Record<string, string>)[name] ?? name;
}

export interface ValidateOptions {
  modelId: string;
  datasetId: string;
  split: SplitName;
  suites: SuiteName[];
  /** Attack strengths of the FGSM, PGD, Square and transfer sweeps. */
  epsilons?: number[];
  snrs?: number[];
  /** Noises of the ECG noise stress test; default bw, ma, em. */
  noises?: EcgNoiseName[];
  seed?: number;
  /** Operating threshold on the probability of the positive class (binary tasks, or with positiveClass). */
  threshold?: number;
  positiveClass?: string;
  /**
   * The model this one is compared with for the findings and the policy's drop criteria (a vendor model beside an
   * in-house baseline); default its parent.
   */
  referenceModelId?: string;
  /**
   * The model whose gradients craft the transfer suite's examples (default the parent): a model with gradients
   * for the same classes and input, for a model without parent or one run by ONNX Runtime alone.
   */
  surrogateModelId?: string;
  /** Where the forward-only suites run: measured (auto, the default), TF.js, or ONNX Runtime (forward-runtime.ts). */
  forwardRuntime?: 'auto' | 'tfjs' | 'onnxruntime';
  /** Apply the temperature fitted on the training run's validation records before the clean metrics. */
  temperatureScaling?: boolean;
  /** PGD norms to sweep (default Linf). */
  pgdNorms?: PgdNorm[];
  pgdSteps?: number;
  /** Step size as a fraction of epsilon; default 2.5 / steps. */
  pgdStepSize?: number;
  pgdRestarts?: number;
  pgdRandomStart?: boolean;
  /** Epsilons of the L2 PGD sweep (an L2 ball is larger than an L-inf one of the same radius is not). */
  l2Epsilons?: number[];
  /** Class the targeted attacks (targeted PGD, sparse) push toward; untargeted when absent. */
  target?: string;
  /** Budgets k (values changed) of the sparse attack. */
  sparseBudgets?: number[];
  /** How far the sparse attack may move each changed value, in model input units. */
  sparseMagnitude?: number;
  sparseSteps?: number;
  squareQueries?: number;
  /** Members and non-members drawn for membership inference, each. */
  membershipSamples?: number;
  /** Shadow models of offline LiRA (0: loss-threshold attack only) and their training epochs. */
  shadowModels?: number;
  shadowEpochs?: number;
  /** Correctly classified samples used by the mutation-detection suite (half set the threshold, half are scored). */
  detectionSamples?: number;
  /** Attack strength of the examples to detect; default the largest of `epsilons`. */
  detectionEpsilon?: number;
  /** Mutants of the model and the fraction of kernel weights each perturbs. */
  mutants?: number;
  mutationRate?: number;
  /** Image corruptions of the corruptions suite (default: all but fog and glare). */
  corruptions?: ImageCorruption[];
  /** Dataset sample indices (in the split) to explain; default two misclassified and two correct ones. */
  attributionSamples?: number[];
  /** Gates to evaluate (see policy.ts); the suites and sweep points they need are added to the run. */
  policy?: Policy;
  /** Where the policy was read from, for the record. */
  policyFile?: string;
}
