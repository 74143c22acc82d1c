import type { tfl } from '../../engine/tf.js';
import type { SampleDataset } from '../../data/sample-dataset.js';
import { sweepLearningRates } from './lr-range-test.js';

/**
 * The learning rate of a training nobody tuned: a short range test on the training samples before the first
 * epoch, and a tenth of the rate at which its smoothed loss is lowest (Smith 2017: an order of magnitude below
 * where the loss stops improving). Not the steepest descent (`attest lr find`'s suggestion): with class weights
 * a single batch's loss is noisy, and over a short test the steepest stretch is often a wobble near the start
 * (measured on the bundled MIT-BIH records: steepest at 3e-5, where Adam barely moves). The first tenth of the
 * steps, where the average is still settling, is not searched. The rate is kept within a band that Adam trains
 * reliably in; the result says when it was moved.
 */
export const AUTO_LEARNING_RATE = {
  steps: 60,
  minRate: 1e-5,
  maxRate: 1,
  lowest: 1e-4,
  highest: 1e-2,
} as const;

export interface AutoLearningRate {
  /** The rate training uses. */
  rate: number;
  /** What the range test suggested (a tenth of the rate at the lowest smoothed loss), before the band. */
  suggestedRate: number;
  /** Where the smoothed loss fell fastest (`attest lr find`'s suggestion), for the record. */
  steepestRate: number;
  /** The suggestion was outside [lowest, highest] and moved to the nearer end. */
  clamped: boolean;
  stoppedEarly: boolean;
  batchSize: number;
  seconds: number;
  points: { rate: number; loss: number; smoothed: number }[];
}

export async function chooseLearningRate(o: {
  dataset: SampleDataset;
  indices: ArrayLike<number>;
  build(): tfl.LayersModel;
  seed: number;
  batchSize: number;
  signal: AbortSignal;
  onStep?(step: number, rate: number, loss: number): void;
}): Promise<AutoLearningRate> {
  const started = Date.now();
  // A dataset smaller than a batch still gets a test: one batch of all its samples per step.
  const batchSize = Math.max(1, Math.min(o.batchSize, o.indices.length));
  const sweep = await sweepLearningRates({
    dataset: o.dataset,
    indices: o.indices,
    build: () => o.build(),
    seed: o.seed,
    minRate: AUTO_LEARNING_RATE.minRate,
    maxRate: AUTO_LEARNING_RATE.maxRate,
    steps: AUTO_LEARNING_RATE.steps,
    batchSize,
    signal: o.signal,
    ...(o.onStep !== undefined ? { onStep: o.onStep } : {}),
  });
  const suggested = tenthOfMinimum(sweep.points);
  const rate = Math.min(
    AUTO_LEARNING_RATE.highest,
    Math.max(AUTO_LEARNING_RATE.lowest, Number.isFinite(suggested) ? suggested : AUTO_LEARNING_RATE.lowest),
  );
  return {
    rate,
    suggestedRate: suggested,
    steepestRate: sweep.steepestRate,
    clamped: rate !== suggested,
    stoppedEarly: sweep.stoppedEarly,
    batchSize,
    seconds: (Date.now() - started) / 1000,
    points: sweep.points,
  };
}

/** A tenth of the rate at the lowest smoothed loss, the first tenth of the points (still settling) left out. */
export function tenthOfMinimum(points: { rate: number; smoothed: number }[]): number {
  const from = Math.min(Math.floor(points.length / 10), Math.max(0, points.length - 1));
  let lowest: { rate: number; smoothed: number } | undefined;
  for (const p of points.slice(from)) if (lowest === undefined || p.smoothed < lowest.smoothed) lowest = p;
  return lowest === undefined ? NaN : lowest.rate / 10;
}
