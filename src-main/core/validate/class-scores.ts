/**
 * Operating figures from one class's scores (one-vs-rest) that a screening or inspection reviewer asks for:
 * the sensitivity reachable at a fixed specificity, and the average precision (area under the
 * precision-recall curve, all points, as Pascal VOC since 2010 and scikit-learn's average_precision_score).
 */
function ranked(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
): { score: number; positive: boolean }[] {
  return Array.from({ length: scores.length }, (_, i) => ({
    score: scores[i] as number,
    positive: positive[i] === true,
  })).sort((a, b) => b.score - a.score);
}

/**
 * The highest sensitivity at a threshold whose specificity is at least `specificity`, with the counts behind it
 * (true positives of positives); null without positives or negatives. Tied scores move together.
 */
export function sensitivityAtSpecificity(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
  specificity: number,
): { sensitivity: number; truePositives: number; positives: number; specificity: number } | null {
  const rows = ranked(scores, positive);
  const positives = rows.filter((r) => r.positive).length;
  const negatives = rows.length - positives;
  if (positives === 0 || negatives === 0) return null;
  let best = { sensitivity: 0, truePositives: 0, positives, specificity: 1 };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < rows.length;) {
    const threshold = (rows[k] as { score: number }).score;
    while (k < rows.length && (rows[k] as { score: number }).score === threshold) {
      if ((rows[k] as { positive: boolean }).positive) tp++;
      else fp++;
      k++;
    }
    const spec = 1 - fp / negatives;
    if (spec + 1e-12 < specificity) break;
    if (tp / positives > best.sensitivity)
      best = { sensitivity: tp / positives, truePositives: tp, positives, specificity: spec };
  }
  return best;
}

/** Average precision: the sum over thresholds of (recall gained) x precision; null without positives. */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const rows = ranked(scores, positive);
  const positives = rows.filter((r) => r.positive).length;
  if (positives === 0) return null;
  let tp = 0;
  let seen = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let k = 0; k < rows.length;) {
    const threshold = (rows[k] as { score: number }).score;
    while (k < rows.length && (rows[k] as { score: number }).score === threshold) {
      if ((rows[k] as { positive: boolean }).positive) tp++;
      seen++;
      k++;
    }
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / seen);
    previousRecall = recall;
  }
  return ap;
}
