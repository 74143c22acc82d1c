import { tf, type tfl } from '../engine/tf.js';
import type { JobContext } from '../jobs/job-context.js';
import { badInput } from '../errors.js';
import { checkBatchSize, singleOutput } from '../predict/predict.js';
import { objectiveGradient } from './pgd.js';
import { runStepsAsync, type Steps } from '../jobs/steps.js';
import {
  SweepCounter,
  checkAttackInputs,
  checkBudgets,
  checkCount,
  type AttackSweep,
} from './attack-sweep.js';

export const DEFAULT_SPARSE_BUDGETS = [1, 5, 20];
export const DEFAULT_SPARSE_STEPS = 20;

export interface SparseOptions {
  model: tfl.LayersModel;
  inputs: Float32Array;
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  /** How many values (samples of a signal, pixels of an image) the attack may change: the L0 budget k. */
  budgets?: number[];
  /** How far each changed value may move, in model input units. */
  magnitude: number;
  steps?: number;
  /** Toward this class; untargeted (away from the true class) when absent. */
  target?: number | undefined;
  classNames?: string[];
  batchSize?: number;
  unit?: string;
}

/**
 * Keeps the k values of largest magnitude of each sample's perturbation and zeroes the others: the projection onto
 * "at most k values changed". Exact (ties broken by position), done in JS on the read-back perturbation.
 */
export function keepLargest(delta: Float32Array, size: number, k: number): void {
  const n = delta.length / size;
  const order = new Array<number>(size);
  for (let s = 0; s < n; s++) {
    const base = s * size;
    for (let j = 0; j < size; j++) order[j] = j;
    order.sort((a, b) => Math.abs(delta[base + b] as number) - Math.abs(delta[base + a] as number) || a - b);
    for (let r = k; r < size; r++) delta[base + (order[r] as number)] = 0;
  }
}

/**
 * A sparse attack in the style of PGD-0 (Croce and Hein, 2019): gradient steps on the attack objective scaled so
 * that the largest change is stepSize * magnitude, each followed by the projection onto the set of perturbations
 * that change at most k values, each by at most `magnitude`. Returns the adversarial batch.
 */
export function sparseBatch(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  labels: Int32Array,
  classes: number,
  k: number,
  magnitude: number,
  steps: number,
  target: number | undefined,
): Float32Array {
  const n = labels.length;
  const size = inputs.length / n;
  if (k === 0) return inputs.slice();
  const goal = target !== undefined ? Int32Array.from(labels, () => target) : labels;
  const delta = new Float32Array(inputs.length);
  const stepSize = 0.5;
  for (let step = 0; step < steps; step++) {
    const moved = tf.tidy(() => {
      const x = tf.tensor(inputs, [n, ...sampleShape]);
      const d = tf.tensor(delta, [n, ...sampleShape]);
      const oneHot = tf.oneHot(tf.tensor1d(goal, 'int32'), classes);
      const gradient = objectiveGradient(model, tf.add(x, d), oneHot, target !== undefined);
      const axes = gradient.shape.map((_, i) => i).slice(1);
      const scale = tf.maximum(tf.max(tf.abs(gradient), axes, true), 1e-12);
      return tf.clipByValue(
        tf.add(d, tf.mul(tf.div(gradient, scale), stepSize * magnitude)),
        -magnitude,
        magnitude,
      );
    });
    delta.set(moved.dataSync() as Float32Array);
    moved.dispose();
    keepLargest(delta, size, k);
  }
  const out = new Float32Array(inputs.length);
  for (let i = 0; i < out.length; i++) out[i] = (inputs[i] as number) + (delta[i] as number);
  return out;
}

function predictBatch(model: tfl.LayersModel, inputs: Float32Array, shape: number[], n: number): Int32Array {
  const predicted = tf.tidy(() =>
    tf.argMax(singleOutput(model.apply(tf.tensor(inputs, [n, ...shape]), { training: false })), -1),
  );
  try {
    return predicted.dataSync() as Int32Array;
  } finally {
    predicted.dispose();
  }
}

export function* sparseSweepSteps(o: SparseOptions): Steps<AttackSweep> {
  const n = checkAttackInputs(o);
  const budgets = checkBudgets(o.budgets ?? DEFAULT_SPARSE_BUDGETS, 'sparse attack', true);
  if (!Number.isFinite(o.magnitude) || o.magnitude <= 0)
    throw badInput(`sparse attack magnitude must be a positive number, got ${o.magnitude}`);
  const steps = checkCount(o.steps ?? DEFAULT_SPARSE_STEPS, 'sparse attack steps', 1, 1000);
  const batchSize = checkBatchSize(o.batchSize ?? 128);
  const size = o.inputs.length / n;
  const counter = new SweepCounter(budgets, o.target);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const count = end - start;
    const labels = Int32Array.from({ length: count }, (_, i) => o.labels[start + i] as number);
    const batch = o.inputs.subarray(start * size, end * size);
    const clean = predictBatch(o.model, batch, o.sampleShape, count);
    const rows: Int32Array[] = [];
    for (const k of budgets) {
      const adversarial = sparseBatch(
        o.model,
        batch,
        o.sampleShape,
        labels,
        o.classes,
        Math.min(k, size),
        o.magnitude,
        steps,
        o.target,
      );
      rows.push(predictBatch(o.model, adversarial, o.sampleShape, count));
      yield {
        fraction: (start + (count * rows.length) / budgets.length) / n,
        message: `sparse attack: ${end} of ${n} samples, k ${k}`,
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
    attack: 'sparse',
    norm: 'L0',
    unit: o.unit ?? 'values changed (k)',
    targeted: o.target !== undefined,
    ...(o.target !== undefined ? { target: o.classNames?.[o.target] ?? String(o.target) } : {}),
    params: { magnitude: o.magnitude, steps },
  });
}

export function sparseSweepAsync(o: SparseOptions, context?: JobContext): Promise<AttackSweep> {
  return runStepsAsync(sparseSweepSteps(o), context);
}
