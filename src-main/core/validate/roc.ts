import { badInput } from '../errors.js';

/** One point of a ROC curve: samples scoring >= threshold are called positive (null: none is, the origin). */
export interface RocPoint {
  threshold: number | null;
  fpr: number;
  tpr: number;
}

export interface ClassRoc {
  label: string;
  positives: number;
  negatives: number;
  /** Area under the one-vs-rest ROC curve; null when the class has no positive or no negative sample. */
  auc: number | null;
  /** The curve from (0, 0) to (1, 1), thinned to at most `maxPoints` points for storage (AUC uses all). */
  points: RocPoint[];
}

export interface RocResult {
  perClass: ClassRoc[];
  /** Unweighted mean of the defined per-class AUCs (scikit-learn's average='macro', multi_class='ovr'). */
  macroAuc: number | null;
  /** Mean weighted by the number of positives (average='weighted'). */
  weightedAuc: number | null;
}

export const DEFAULT_ROC_POINTS = 101;

/**
 * One-vs-rest ROC curves and AUC from the model's class probabilities (row-major, n x classes). Tied scores form
 * one step of the curve (no arbitrary order among them), so the trapezoidal AUC equals the Mann-Whitney
 * statistic with ties counted as one half, as scikit-learn computes it.
 */
export function rocCurves(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classNames: string[],
  maxPoints = DEFAULT_ROC_POINTS,
): RocResult {
  const k = classNames.length;
  const n = labels.length;
  if (k < 2) throw badInput('ROC curves need at least 2 classes');
  if (probabilities.length !== n * k)
    throw badInput(`${probabilities.length} scores do not make ${n} rows of ${k} classes`);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw badInput('a ROC curve needs at least 2 points');
  const perClass = classNames.map((label, c) => {
    const scores = Float64Array.from({ length: n }, (_, i) => probabilities[i * k + c] as number);
    const positive = Uint8Array.from({ length: n }, (_, i) => (labels[i] === c ? 1 : 0));
    return { label, ...binaryRoc(scores, positive, maxPoints) };
  });
  const defined = perClass.filter((r) => r.auc !== null);
  const macroAuc =
    defined.length > 0 ? defined.reduce((a, r) => a + (r.auc as number), 0) / defined.length : null;
  const weight = defined.reduce((a, r) => a + r.positives, 0);
  const weightedAuc =
    defined.length > 0 && weight > 0
      ? defined.reduce((a, r) => a + (r.auc as number) * r.positives, 0) / weight
      : null;
  return { perClass, macroAuc, weightedAuc };
}

/** ROC of scores against 0/1 truth: AUC over every distinct threshold, curve thinned to maxPoints. */
export function binaryRoc(
  scores: ArrayLike<number>,
  positive: ArrayLike<number>,
  maxPoints = DEFAULT_ROC_POINTS,
): { positives: number; negatives: number; auc: number | null; points: RocPoint[] } {
  const n = scores.length;
  if (positive.length !== n) throw badInput(`${n} scores but ${positive.length} truth values`);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number),
  );
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i] as number))
      throw badInput(`score ${scores[i]} at sample ${i} is not finite`);
    if (positive[i] === 1) positives++;
  }
  const negatives = n - positives;
  const full: RocPoint[] = [{ threshold: null, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (let k = 0; k < n;) {
    const threshold = scores[order[k] as number] as number;
    // Take every sample of this score at once.
    while (k < n && scores[order[k] as number] === threshold) {
      if (positive[order[k] as number] === 1) tp++;
      else fp++;
      k++;
    }
    const previous = full[full.length - 1] as RocPoint;
    const point = {
      threshold,
      fpr: negatives > 0 ? fp / negatives : 0,
      tpr: positives > 0 ? tp / positives : 0,
    };
    area += ((point.fpr - previous.fpr) * (point.tpr + previous.tpr)) / 2;
    full.push(point);
  }
  return {
    positives,
    negatives,
    auc: positives > 0 && negatives > 0 ? area : null,
    points: thinCurve(full, maxPoints),
  };
}

/** Keeps the ends and evenly spaced points between them, so that a stored curve has a bounded size. */
function thinCurve(points: RocPoint[], maxPoints: number): RocPoint[] {
  if (points.length <= maxPoints) return points;
  const out: RocPoint[] = [];
  for (let j = 0; j < maxPoints; j++) {
    out.push(points[Math.round((j * (points.length - 1)) / (maxPoints - 1))] as RocPoint);
  }
  return out;
}
