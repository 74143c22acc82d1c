/**
 * "Balanced" class weights (n / (k * n_c)) for the classes present, capped so that a class with a handful of
 * beats (MIT-BIH's Q) cannot dominate the loss and destabilise training. Absent classes get weight 0.
 */
export function balancedClassWeights(
  labels: ArrayLike<number>,
  classes: number,
  cap = 25,
): Record<number, number> {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++)
    counts[labels[i] as number] = (counts[labels[i] as number] ?? 0) + 1;
  const present = counts.filter((c) => c > 0).length;
  const weights: Record<number, number> = {};
  counts.forEach((count, k) => {
    weights[k] = count === 0 ? 0 : Math.min(cap, labels.length / (present * count));
  });
  return weights;
}
