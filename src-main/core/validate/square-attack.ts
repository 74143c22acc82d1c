import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed } from '../engine/seed.js';
import type { JobContext } from '../jobs/job-context.js';
import { checkBatchSize, singleOutput } from '../predict/predict.js';
import { runStepsAsync, type Steps } from '../jobs/steps.js';
import {
  SweepCounter,
  checkAttackInputs,
  checkBudgets,
  checkCount,
  type AttackSweep,
} from './attack-sweep.js';

export const DEFAULT_SQUARE_QUERIES = 200;
export const DEFAULT_SQUARE_P_INIT = 0.1;

export interface SquareOptions {
  model: tfl.LayersModel;
  inputs: Float32Array;
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  epsilons: number[];
  /** Model evaluations per sample (the attack stops early on a sample once it is fooled). */
  queries?: number;
  /** Initial fraction of the input a square (or segment) covers. */
  pInit?: number;
  target?: number | undefined;
  classNames?: string[];
  seed?: number;
  batchSize?: number;
  unit?: string;
}

/** Height, width and channels of a sample: [L, C] and [L] are one row of L positions; [H, W, C] an image. */
function layout(shape: number[]): { height: number; width: number; channels: number } {
  if (shape.length === 3)
    return { height: shape[0] as number, width: shape[1] as number, channels: shape[2] as number };
  if (shape.length === 2) return { height: 1, width: shape[0] as number, channels: shape[1] as number };
  return { height: 1, width: shape.reduce((a, b) => a * b, 1), channels: 1 };
}

/** The paper's schedule of the square size, for a budget rescaled to 10 000 queries. */
function squareFraction(pInit: number, query: number, queries: number): number {
  const it = Math.floor((query / queries) * 10_000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let p = pInit;
  for (const cut of cuts) if (it > cut) p /= 2;
  return p;
}

/**
 * Margin of each sample, to be pushed below zero: log p(true) - max other log p (untargeted), or max other
 * log p - log p(target) (targeted); and the predicted class.
 */
function margins(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  goal: Int32Array,
  targeted: boolean,
): { margin: Float32Array; predicted: Int32Array } {
  const n = goal.length;
  const probabilities = tf.tidy(() =>
    singleOutput(model.apply(tf.tensor(inputs, [n, ...shape]), { training: false })),
  );
  let p: Float32Array;
  try {
    p = probabilities.dataSync() as Float32Array;
  } finally {
    probabilities.dispose();
  }
  const k = p.length / n;
  const margin = new Float32Array(n);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = goal[i] as number;
    let other = -Infinity;
    let top = 0;
    for (let c = 0; c < k; c++) {
      const v = p[i * k + c] as number;
      if (v > (p[i * k + top] as number)) top = c;
      if (c !== g) other = Math.max(other, Math.log(Math.max(v, 1e-30)));
    }
    const own = Math.log(Math.max(p[i * k + g] as number, 1e-30));
    margin[i] = targeted ? other - own : own - other;
    predicted[i] = top;
  }
  return { margin, predicted };
}

/**
 * The Square attack, L-infinity (Andriushchenko et al., 2020): gradient-free random search. It starts from
 * vertical stripes of +-epsilon, then repeatedly redraws one random square (one segment for a signal) of
 * +-epsilon per channel and keeps it where it lowers the margin. Since it never reads a gradient, it sees
 * through gradient masking; a model much stronger against PGD than against Square masks its gradients.
 */
export function squareBatch(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  labels: Int32Array,
  epsilon: number,
  o: { queries: number; pInit: number; target: number | undefined },
  rng: () => number,
): Float32Array {
  const n = labels.length;
  const size = inputs.length / n;
  if (epsilon === 0) return inputs.slice();
  const { height, width, channels } = layout(shape);
  const targeted = o.target !== undefined;
  const goal = targeted ? Int32Array.from(labels, () => o.target as number) : labels;
  const sign = (): number => (rng() < 0.5 ? -epsilon : epsilon);
  // Stripes: one sign per (column, channel), the same down each column.
  const best = new Float32Array(inputs.length);
  for (let s = 0; s < n; s++)
    for (let w = 0; w < width; w++)
      for (let c = 0; c < channels; c++) {
        const value = sign();
        for (let h = 0; h < height; h++) {
          const j = s * size + (h * width + w) * channels + c;
          best[j] = (inputs[j] as number) + value;
        }
      }
  const { margin } = margins(model, best, shape, goal, targeted);
  const candidate = new Float32Array(inputs.length);
  for (let query = 1; query < o.queries; query++) {
    const active = Array.from(margin, (m, i) => (m > 0 ? i : -1)).filter((i) => i >= 0);
    if (active.length === 0) break;
    const p = squareFraction(o.pInit, query, o.queries);
    const side =
      height === 1
        ? Math.min(width, Math.max(1, Math.round(p * width)))
        : Math.min(height, width, Math.max(1, Math.round(Math.sqrt(p * height * width))));
    candidate.set(best);
    for (const s of active) {
      const top = height === 1 ? 0 : Math.floor(rng() * (height - side + 1));
      const left = Math.floor(rng() * (width - side + 1));
      for (let c = 0; c < channels; c++) {
        const value = sign();
        for (let h = top; h < top + (height === 1 ? 1 : side); h++)
          for (let w = left; w < left + side; w++) {
            const j = s * size + (h * width + w) * channels + c;
            candidate[j] = (inputs[j] as number) + value;
          }
      }
    }
    const next = margins(model, candidate, shape, goal, targeted).margin;
    for (const s of active) {
      if ((next[s] as number) < (margin[s] as number)) {
        best.set(candidate.subarray(s * size, (s + 1) * size), s * size);
        margin[s] = next[s] as number;
      }
    }
  }
  return best;
}

export function* squareSweepSteps(o: SquareOptions): Steps<AttackSweep> {
  const n = checkAttackInputs(o);
  const epsilons = checkBudgets(o.epsilons, 'Square attack');
  const queries = checkCount(o.queries ?? DEFAULT_SQUARE_QUERIES, 'Square attack queries', 1, 100_000);
  const pInit = o.pInit ?? DEFAULT_SQUARE_P_INIT;
  const batchSize = checkBatchSize(o.batchSize ?? 256);
  const size = o.inputs.length / n;
  const counter = new SweepCounter(epsilons, o.target);
  const rngs = epsilons.map((e) => createRng(deriveSeed(o.seed ?? 1, 'square', e)));
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const count = end - start;
    const labels = Int32Array.from({ length: count }, (_, i) => o.labels[start + i] as number);
    const batch = o.inputs.subarray(start * size, end * size);
    const clean = margins(o.model, batch, o.sampleShape, labels, false).predicted;
    const rows: Int32Array[] = [];
    for (const [e, epsilon] of epsilons.entries()) {
      const adversarial = squareBatch(
        o.model,
        batch,
        o.sampleShape,
        labels,
        epsilon,
        { queries, pInit, target: o.target },
        rngs[e] as () => number,
      );
      rows.push(margins(o.model, adversarial, o.sampleShape, labels, false).predicted);
      yield {
        fraction: (start + (count * (e + 1)) / epsilons.length) / n,
        message: `Square attack: ${end} of ${n} samples, epsilon ${epsilon}`,
      };
    }
    for (let i = 0; i < count; i++)
      counter.add(
        labels[i] as number,
        clean[i] as number,
        rows.map((r) => r[i] as number),
      );
  }
  return counter.result({
    attack: 'square',
    norm: 'Linf',
    unit: o.unit ?? 'model input units',
    targeted: o.target !== undefined,
    ...(o.target !== undefined ? { target: o.classNames?.[o.target] ?? String(o.target) } : {}),
    params: { queries, pInit, seed: o.seed ?? 1 },
  });
}

export function squareSweepAsync(o: SquareOptions, context?: JobContext): Promise<AttackSweep> {
  return runStepsAsync(squareSweepSteps(o), context);
}
