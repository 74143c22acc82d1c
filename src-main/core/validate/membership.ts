import { badInput } from '../errors.js';
import { binaryRoc } from './roc.js';

/** Floor for probabilities inside logs. */
const FLOOR = 1e-30;

/** Per-sample cross-entropy of the true class, from row-major probabilities. */
export function sampleLosses(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
): Float64Array {
  return Float64Array.from(
    { length: labels.length },
    (_, i) => -Math.log(Math.max(probabilities[i * classes + (labels[i] as number)] as number, FLOOR)),
  );
}

/**
 * The scaled confidence LiRA models as Gaussian: log p(true) - log(sum of the other probabilities), i.e. the
 * logit of the true-class probability, computed without forming 1 - p (which rounds to 0 for a confident model).
 */
export function scaledConfidences(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
): Float64Array {
  return Float64Array.from({ length: labels.length }, (_, i) => {
    const label = labels[i] as number;
    let others = 0;
    for (let c = 0; c < classes; c++) if (c !== label) others += probabilities[i * classes + c] as number;
    return (
      Math.log(Math.max(probabilities[i * classes + label] as number, FLOOR)) -
      Math.log(Math.max(others, FLOOR))
    );
  });
}

export interface AttackFigures {
  /** Area under the ROC curve of the membership score (0.5: no better than a coin). */
  auc: number | null;
  /** max over thresholds of TPR - FPR (Yeom et al., 2018), on these balanced samples. */
  advantage: number;
  /**
   * True positive rates at low false positive rates (Carlini et al., 2022); null (marked in reports) when fewer
   * than MIN_FALSE_POSITIVES / FPR non-members stand behind the rate (10,000 for 0.1%, 1,000 for 1%).
   */
  tprAtFpr0001: number | null;
  tprAtFpr001: number | null;
}

/** False positives a TPR at a given FPR must rest on before it is shown. */
export const MIN_FALSE_POSITIVES = 10;

/** Scores where higher means "member": figures of the attack that thresholds them. */
export function attackFigures(
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
): AttackFigures {
  const scores = [...Array.from(memberScores), ...Array.from(nonMemberScores)];
  const truth = scores.map((_, i) => (i < memberScores.length ? 1 : 0));
  if (memberScores.length === 0 || nonMemberScores.length === 0)
    throw badInput('membership inference needs members and non-members');
  const roc = binaryRoc(scores, truth, scores.length + 1);
  let advantage = 0;
  for (const p of roc.points) advantage = Math.max(advantage, p.tpr - p.fpr);
  // The TPR reachable without exceeding the FPR, shown only when at least MIN_FALSE_POSITIVES non-members may be
  // false positives at that rate: a rate resting on one or two non-members says nothing.
  const tprAt = (fpr: number): number | null => {
    if (nonMemberScores.length < MIN_FALSE_POSITIVES / fpr) return null;
    return Math.max(0, ...roc.points.filter((p) => p.fpr <= fpr + 1e-12).map((p) => p.tpr));
  };
  return { auc: roc.auc, advantage, tprAtFpr0001: tprAt(0.001), tprAtFpr001: tprAt(0.01) };
}

/** The loss-threshold attack: a sample with a low loss is called a member. */
export function lossThresholdAttack(
  memberLosses: ArrayLike<number>,
  nonMemberLosses: ArrayLike<number>,
): AttackFigures {
  return attackFigures(
    Array.from(memberLosses, (l) => -l),
    Array.from(nonMemberLosses, (l) => -l),
  );
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Offline LiRA (Carlini et al., 2022): for each target sample, the scaled confidences of the shadow models that
 * did NOT train on it give a Gaussian (per-sample mean, variance pooled over all samples, as the paper advises
 * with few shadows); the membership score is how far into its upper tail the target model's confidence lies.
 * `outConfidences[s][i]` is shadow s's confidence on sample i, `isIn[s][i]` whether shadow s trained on it.
 */
export function offlineLira(
  targetConfidences: ArrayLike<number>,
  outConfidences: Float64Array[],
  isIn: Uint8Array[],
): Float64Array {
  const n = targetConfidences.length;
  const means = new Float64Array(n);
  const counts = new Int32Array(n);
  for (const [s, confidences] of outConfidences.entries()) {
    for (let i = 0; i < n; i++) {
      if (isIn[s]?.[i] === 1) continue;
      means[i] = (means[i] as number) + (confidences[i] as number);
      counts[i] = (counts[i] as number) + 1;
    }
  }
  let squares = 0;
  let dof = 0;
  for (let i = 0; i < n; i++)
    if ((counts[i] as number) > 0) means[i] = (means[i] as number) / (counts[i] as number);
  for (const [s, confidences] of outConfidences.entries()) {
    for (let i = 0; i < n; i++) {
      if (isIn[s]?.[i] === 1) continue;
      squares += ((confidences[i] as number) - (means[i] as number)) ** 2;
      dof++;
    }
  }
  const withData = Array.from(counts).filter((c) => c > 0).length;
  const sigma = Math.sqrt(squares / Math.max(1, dof - withData)) || 1;
  return Float64Array.from({ length: n }, (_, i) =>
    (counts[i] as number) > 0
      ? normalCdf(((targetConfidences[i] as number) - (means[i] as number)) / sigma)
      : 0.5,
  );
}
