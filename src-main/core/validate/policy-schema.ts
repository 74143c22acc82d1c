import { z } from 'zod';

/**
 * The format of an acceptance-criteria file (see policy.ts for what each criterion means and how it is
 * decided). Only zod here, no Node module: the UI's policy form and the job contract validate with it too.
 */
const fraction = z.number().min(0).max(1);
const robustGate = z.strictObject({
  suite: z.enum(['fgsm', 'pgd', 'square', 'sparse', 'noise', 'corruptions']),
  /** Attacks: the budget; noise: the SNR in dB. */
  epsilon: z.number().optional(),
  snrDb: z.number().optional(),
  /** corruptions: the severity (1 to 5) and optionally one corruption (default: the worst must pass). */
  severity: z.number().int().min(1).max(5).optional(),
  corruption: z.string().optional(),
  /** pgd: Linf or L2 (default Linf); noise: the noise name (default: every noise must pass). */
  norm: z.enum(['Linf', 'L2']).optional(),
  noise: z.string().optional(),
  /**
   * What epsilon is measured in (FGSM, PGD L-inf, Square): model input units (default), millivolts of ECG, or
   * grey levels out of 255; converted to input units with the dataset's recorded scaling at validation.
   */
  unit: z.enum(['input', 'mV', 'grey-levels']).optional(),
  minAccuracy: fraction,
});
const perClassCount = z.union([
  z.number().int().min(0).max(1_000_000),
  z.record(z.string(), z.number().int().min(0).max(1_000_000)),
]);
export const CLASS_METRICS = [
  'sensitivity',
  'positivePredictivity',
  'specificity',
  'f1',
  'auc',
  'ap',
] as const;
const classCriterion = z.strictObject({
  class: z.string().min(1).max(100),
  metric: z.enum(CLASS_METRICS),
  /** gross: pooled over every test sample; average: the mean of the per-record figures (EC57). */
  pooling: z.enum(['gross', 'average']).optional(),
  min: fraction,
});
const atSpecificity = z.strictObject({
  class: z.string().min(1).max(100),
  specificity: fraction,
  minSensitivity: fraction,
});
export const policySchema = z.strictObject({
  name: z.string().max(200).optional(),
  /** Free text shown with the verdict: what the criteria are after. */
  description: z.string().max(2000).optional(),
  minAccuracy: fraction.optional(),
  classCriteria: z.array(classCriterion).max(200).optional(),
  sensitivityAtSpecificity: z.array(atSpecificity).max(100).optional(),
  /** The fewest test records (patients, flights) in the split. */
  minTestRecords: z.number().int().min(0).max(1_000_000).optional(),
  /** The fewest test records holding each class: one number, or per class name with "*" for the others. */
  minTestRecordsPerClass: perClassCount.optional(),
  minTestSamplesPerClass: perClassCount.optional(),
  maxAccuracyDrop: fraction.optional(),
  maxMacroF1Drop: fraction.optional(),
  /** The same limit for every class, or per class name with "*" for the others. */
  maxClassRecallDrop: z.union([fraction, z.record(z.string(), fraction)]).optional(),
  minRobustAccuracy: z.array(robustGate).max(100).optional(),
  maxMembershipAdvantage: fraction.optional(),
  maxEce: fraction.optional(),
  /** Image corruptions: the largest mean corruption error against the parent (1: as robust as the parent). */
  maxCorruptionError: z.number().min(0).max(100).optional(),
  /** Detectors (`attest detect evaluate --policy`): the lowest mAP@0.5 over the classes with objects. */
  minMeanAp: fraction.optional(),
});
export type Policy = z.infer<typeof policySchema>;

/** The criteria a policy file may hold, for the error that names an unknown one. */
export const POLICY_CRITERIA = Object.keys(policySchema.shape);
