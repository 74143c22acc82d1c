/**
 * How concise and how stable attributions are. Sparseness: the Gini index of the absolute attributions (0 when
 * spread evenly, towards 1 when a few samples or pixels carry it all), as Chalasani et al. 2020 measure it when
 * showing that adversarial training makes explanations sparser. Stability: how much of the top-k attribution
 * set survives a small input perturbation, and the rank correlation of the absolute attributions.
 */

export function giniIndex(values: ArrayLike<number>): number {
  const sorted = Array.from(values, Math.abs).sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  sorted.forEach((v, i) => (weighted += (i + 1) * v));
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

function topIndices(values: ArrayLike<number>, k: number): Set<number> {
  return new Set(
    Array.from(values, (v, i) => [Math.abs(v), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, k)
      .map(([, i]) => i),
  );
}

/** Share of the k largest absolute attributions of `a` that are also among the k largest of `b`. */
export function topKOverlap(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const top = topIndices(a, k);
  let shared = 0;
  for (const i of topIndices(b, k)) if (top.has(i)) shared++;
  return shared / Math.max(1, k);
}

function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from(values, (v, i) => [Math.abs(v), i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Float64Array(order.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]?.[0] === order[s]?.[0]) e++;
    for (let t = s; t <= e; t++) out[order[t]?.[1] as number] = (s + e) / 2; // ties share their mean rank
    s = e + 1;
  }
  return out;
}

/** Spearman rank correlation of the absolute values of a and b. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const mean = (n - 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = (ra[i] as number) - mean;
    const db = (rb[i] as number) - mean;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}
