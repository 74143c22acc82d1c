import { incompleteBeta, studentTwoSided } from './significance.js';
import type { Interval } from './record-bootstrap.js';

/**
 * Intervals that hold at small sizes, where a bootstrap over a handful of records does not: Clopper-Pearson
 * (exact binomial) and Wilson for a proportion, Hanley-McNeil for an AUC, Student's t for a mean over records.
 * Written out here (no statistics package); checked against SciPy/statsmodels values in the tests.
 */

/** x such that I_x(a, b) = p, by bisection (I_x is increasing in x); 60 halvings reach 1e-18. */
function betaQuantile(p: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (incompleteBeta(mid, a, b) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Clopper-Pearson interval of `successes` out of `trials`: it never covers less than its level. */
export function clopperPearson(successes: number, trials: number, level = 0.95): Interval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || trials <= 0) return null;
  if (successes < 0 || successes > trials) return null;
  const alpha = 1 - level;
  const low = successes === 0 ? 0 : betaQuantile(alpha / 2, successes, trials - successes + 1);
  const high = successes === trials ? 1 : betaQuantile(1 - alpha / 2, successes + 1, trials - successes);
  return [low, high];
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number): number =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** Wilson score interval: shorter than Clopper-Pearson, close to its level on average. */
export function wilson(successes: number, trials: number, level = 0.95): Interval | null {
  if (trials <= 0 || successes < 0 || successes > trials) return null;
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Hanley and McNeil (1982) interval of an AUC from its positives and negatives: the normal approximation with
 * their standard error, clipped to [0, 1].
 */
export function hanleyMcNeil(
  auc: number,
  positives: number,
  negatives: number,
  level = 0.95,
): Interval | null {
  if (positives < 1 || negatives < 1 || !(auc >= 0 && auc <= 1)) return null;
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance =
    (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
    (positives * negatives);
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(Math.max(0, variance));
  return [Math.max(0, auc - half), Math.min(1, auc + half)];
}

/** Student's t quantile with df degrees of freedom, by bisection on the two-sided p-value. */
export function studentQuantile(p: number, df: number): number {
  const twoSided = 2 * (1 - p);
  let low = 0;
  let high = 1e6;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (studentTwoSided(mid, df) > twoSided) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** t interval of the mean of per-record values (EC57's averaged statistics); null with fewer than 2 values. */
export function meanInterval(values: number[], level = 0.95): Interval | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  const half = studentQuantile(1 - (1 - level) / 2, values.length - 1) * Math.sqrt(variance / values.length);
  return [Math.max(0, mean - half), Math.min(1, mean + half)];
}
