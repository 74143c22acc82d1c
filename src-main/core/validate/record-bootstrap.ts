import { badInput } from '../errors.js';
import { metricsFromConfusion, type ClassificationMetrics } from '../metrics/metrics.js';
import { seededRandom } from '../engine/seed.js';

export type Interval = [number, number];

export interface BootstrapIntervals {
  /** What is resampled: whole records (patients), never single beats, since beats of a patient are correlated. */
  unit: 'record';
  groups: number;
  resamples: number;
  level: number;
  seed: number;
  accuracy: Interval;
  macroF1: Interval;
  perClass: Record<
    string,
    { sensitivity: Interval | null; positivePredictivity: Interval | null; f1: Interval | null }
  >;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  return a + ((sorted[high] as number) - a) * (position - low);
}

function interval(values: number[], level: number): Interval | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return [percentile(sorted, (1 - level) / 2), percentile(sorted, (1 + level) / 2)];
}

/**
 * Percentile bootstrap confidence intervals that resample records: each replicate draws as many records as
 * there are, with replacement, and pools their beats. A class's interval is taken over the replicates where
 * it is defined (a replicate without any beat of the class has no sensitivity for it). With one record there
 * is nothing to resample: the intervals are then undefined rather than falsely narrow.
 */
export function recordBootstrap(o: {
  labels: ArrayLike<number>;
  predicted: ArrayLike<number>;
  groups: ArrayLike<number>;
  classes: string[];
  resamples?: number;
  level?: number;
  seed?: number;
}): BootstrapIntervals | null {
  const k = o.classes.length;
  const resamples = o.resamples ?? 1000;
  const level = o.level ?? 0.95;
  const seed = o.seed ?? 1;
  if (!Number.isInteger(resamples) || resamples < 10 || resamples > 100_000)
    throw badInput(`bootstrap resamples must be an integer from 10 to 100000, got ${resamples}`);
  if (o.labels.length !== o.predicted.length || o.labels.length !== o.groups.length)
    throw badInput('labels, predictions and groups must have the same length');
  // One confusion matrix per record; a replicate's matrix is the sum of its drawn records' matrices.
  const perGroup = new Map<number, Float64Array>();
  for (let i = 0; i < o.labels.length; i++) {
    const group = o.groups[i] as number;
    let matrix = perGroup.get(group);
    if (matrix === undefined) perGroup.set(group, (matrix = new Float64Array(k * k)));
    const index = (o.labels[i] as number) * k + (o.predicted[i] as number);
    matrix[index] = (matrix[index] as number) + 1;
  }
  const matrices = [...perGroup.values()];
  if (matrices.length < 2) return null;
  const random = seededRandom(seed);
  const accuracy: number[] = [];
  const macroF1: number[] = [];
  const perClass = o.classes.map(() => ({
    sensitivity: [] as number[],
    ppv: [] as number[],
    f1: [] as number[],
  }));
  const sum = new Float64Array(k * k);
  for (let r = 0; r < resamples; r++) {
    sum.fill(0);
    for (let d = 0; d < matrices.length; d++) {
      const drawn = matrices[Math.floor(random() * matrices.length)] as Float64Array;
      for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (drawn[j] as number);
    }
    const confusion = Array.from({ length: k }, (_, t) => Array.from(sum.subarray(t * k, (t + 1) * k)));
    let metrics: ClassificationMetrics;
    try {
      metrics = metricsFromConfusion(confusion, o.classes);
    } catch {
      continue; // every drawn record was empty
    }
    accuracy.push(metrics.accuracy);
    macroF1.push(metrics.macroF1);
    metrics.perClass.forEach((m, c) => {
      const target = perClass[c] as (typeof perClass)[number];
      if (m.sensitivity !== null) target.sensitivity.push(m.sensitivity);
      if (m.positivePredictivity !== null) target.ppv.push(m.positivePredictivity);
      if (m.f1 !== null) target.f1.push(m.f1);
    });
  }
  return {
    unit: 'record',
    groups: matrices.length,
    resamples,
    level,
    seed,
    accuracy: interval(accuracy, level) ?? [NaN, NaN],
    macroF1: interval(macroF1, level) ?? [NaN, NaN],
    perClass: Object.fromEntries(
      o.classes.map((label, c) => {
        const values = perClass[c] as (typeof perClass)[number];
        return [
          label,
          {
            sensitivity: interval(values.sensitivity, level),
            positivePredictivity: interval(values.ppv, level),
            f1: interval(values.f1, level),
          },
        ];
      }),
    ),
  };
}
