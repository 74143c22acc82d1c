import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';
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

export type PgdNorm = 'Linf' | 'L2';

export interface PgdSettings {
  norm: PgdNorm;
  steps: number;
  /** Step size as a fraction of epsilon (Madry et al. use 2.5 / steps, so that the walk can cross the ball). */
  stepSize: number;
  restarts: number;
  randomStart: boolean;
  /** Targeted: walk toward this class (descend its loss) instead of away from the true class. */
  target?: number | undefined;
}

export const DEFAULT_PGD_EPSILONS = [0.01, 0.05, 0.1];
export const DEFAULT_PGD_STEPS = 10;
export const DEFAULT_PGD_BATCH = 128;

export function defaultPgdSettings(partial: Partial<PgdSettings> = {}): PgdSettings {
  const steps = partial.steps ?? DEFAULT_PGD_STEPS;
  return {
    norm: partial.norm ?? 'Linf',
    steps,
    stepSize: partial.stepSize ?? 2.5 / steps,
    restarts: partial.restarts ?? 1,
    randomStart: partial.randomStart ?? true,
    ...(partial.target !== undefined ? { target: partial.target } : {}),
  };
}

function checkSettings(s: PgdSettings): void {
  checkCount(s.steps, 'PGD steps', 1, 10_000);
  checkCount(s.restarts, 'PGD restarts', 1, 100);
  if (!Number.isFinite(s.stepSize) || s.stepSize <= 0 || s.stepSize > 10)
    throw badInput(`PGD step size must be a fraction of epsilon in (0, 10], got ${s.stepSize}`);
}

/**
 * Gradient of the attack objective with respect to the input: the cross-entropy of the true class (ascended),
 * or minus the cross-entropy of the target class (so that ascending it walks toward the target). Probabilities
 * are floored at 1e-30 to keep the log finite, as in FGSM.
 */
export function objectiveGradient(
  model: tfl.LayersModel,
  x: tf.Tensor,
  oneHot: tf.Tensor,
  targeted: boolean,
): tf.Tensor {
  return tf.tidy(() =>
    tf.grad((input: tf.Tensor) => {
      const probabilities = singleOutput(model.apply(input, { training: false }));
      const crossEntropy = tf.neg(tf.sum(tf.mul(oneHot, tf.log(tf.maximum(probabilities, 1e-30)))));
      return targeted ? tf.neg(crossEntropy) : crossEntropy;
    })(x),
  );
}

/** Per-sample L2 norm, shaped [n, 1, 1...] to broadcast against the batch. */
function sampleNorms(t: tf.Tensor): tf.Tensor {
  const axes = t.shape.map((_, i) => i).slice(1);
  return tf.sqrt(tf.sum(tf.square(t), axes, true));
}

/** Projects a perturbation onto the epsilon ball of the norm. */
function project(delta: tf.Tensor, norm: PgdNorm, epsilon: number): tf.Tensor {
  if (norm === 'Linf') return tf.clipByValue(delta, -epsilon, epsilon);
  const norms = sampleNorms(delta);
  return tf.mul(delta, tf.minimum(1, tf.div(epsilon, tf.maximum(norms, 1e-12))));
}

/** A seeded random start inside the ball: uniform per value for Linf, uniform in the ball for L2. */
function randomStart(shape: number[], norm: PgdNorm, epsilon: number, rng: () => number): Float32Array {
  const n = shape[0] ?? 0;
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * size);
  if (norm === 'Linf') {
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng() - 1) * epsilon;
    return out;
  }
  for (let s = 0; s < n; s++) {
    let sum = 0;
    for (let j = 0; j < size; j += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rng()));
      const angle = 2 * Math.PI * rng();
      out[s * size + j] = r * Math.cos(angle);
      if (j + 1 < size) out[s * size + j + 1] = r * Math.sin(angle);
    }
    for (let j = 0; j < size; j++) sum += (out[s * size + j] as number) ** 2;
    const radius = (epsilon * rng() ** (1 / size)) / Math.max(Math.sqrt(sum), 1e-12);
    for (let j = 0; j < size; j++) out[s * size + j] = (out[s * size + j] as number) * radius;
  }
  return out;
}

/**
 * Projected gradient descent (Madry et al., 2018) on one batch at one epsilon: from a random start in the ball,
 * `steps` steps of size stepSize * epsilon along the gradient sign (Linf) or the normalised gradient (L2), each
 * followed by the projection back onto the ball. With several restarts a sample keeps the first restart that
 * fools the model (misclassified, or classified as the target), else the last one. Returns the adversarial
 * batch as a tensor the caller disposes.
 */
export function pgdBatch(
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: Int32Array,
  classes: number,
  epsilon: number,
  s: PgdSettings,
  rng: () => number,
  /** Per sample: 1 where the attack may change a value, 0 on a context tail (see perturbableMask). */
  mask?: Float32Array,
): tf.Tensor {
  if (epsilon === 0) return tf.clone(x);
  const keep = mask !== undefined ? tf.tensor(mask, x.shape.slice(1)) : undefined;
  const masked = (delta: tf.Tensor): tf.Tensor => (keep !== undefined ? tf.mul(delta, keep) : delta);
  const targeted = s.target !== undefined;
  const goal = targeted ? Int32Array.from(labels, () => s.target as number) : labels;
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(goal, 'int32'), classes));
  const alpha = s.stepSize * epsilon;
  let best: tf.Tensor | undefined;
  try {
    for (let restart = 0; restart < s.restarts; restart++) {
      let adversarial = s.randomStart
        ? tf.tidy(() => tf.add(x, masked(tf.tensor(randomStart(x.shape, s.norm, epsilon, rng), x.shape))))
        : tf.clone(x);
      for (let step = 0; step < s.steps; step++) {
        const next = tf.tidy(() => {
          const gradient = objectiveGradient(model, adversarial, oneHot, targeted);
          const direction =
            s.norm === 'Linf'
              ? tf.sign(gradient)
              : tf.div(gradient, tf.maximum(sampleNorms(gradient), 1e-12));
          const moved = tf.add(adversarial, masked(tf.mul(direction, alpha)));
          return tf.add(x, masked(project(tf.sub(moved, x), s.norm, epsilon)));
        });
        adversarial.dispose();
        adversarial = next;
      }
      if (best === undefined) {
        best = adversarial;
        continue;
      }
      // Keep the earlier restart where it already fools the model, else take this one.
      const merged = tf.tidy(() => {
        const predicted = tf.argMax(singleOutput(model.apply(best as tf.Tensor, { training: false })), -1);
        const fooled = targeted
          ? tf.equal(predicted, tf.tensor1d(goal, 'int32'))
          : tf.notEqual(predicted, tf.tensor1d(labels, 'int32'));
        const mask = tf.reshape(fooled, [x.shape[0] ?? 0, ...x.shape.slice(1).map(() => 1)]);
        return tf.where(tf.broadcastTo(mask, x.shape), best as tf.Tensor, adversarial);
      });
      best.dispose();
      adversarial.dispose();
      best = merged;
    }
  } finally {
    oneHot.dispose();
    keep?.dispose();
  }
  return best as tf.Tensor;
}

export interface PgdOptions {
  model: tfl.LayersModel;
  inputs: Float32Array;
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  epsilons?: number[];
  settings?: Partial<PgdSettings>;
  seed?: number;
  batchSize?: number;
  unit?: string;
  /** The class names, to name the target in the result. */
  classNames?: string[];
  /** Per sample: 1 where the attack may change a value, 0 on a context tail (see perturbableMask). */
  mask?: Float32Array;
}

/** PGD perturbations of every sample at one epsilon (for transfer and detection, and the reference check). */
export function pgdPerturb(o: Omit<PgdOptions, 'epsilons'> & { epsilon: number }): Float32Array {
  const settings = defaultPgdSettings(o.settings);
  checkSettings(settings);
  const n = checkAttackInputs({ ...o, target: settings.target });
  checkBudgets([o.epsilon], 'PGD');
  const batchSize = checkBatchSize(o.batchSize ?? DEFAULT_PGD_BATCH);
  const size = o.inputs.length / n;
  const rng = createRng(deriveSeed(o.seed ?? 1, 'pgd', o.epsilon));
  const out = new Float32Array(o.inputs.length);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const x = tf.tensor(o.inputs.subarray(start * size, end * size), [end - start, ...o.sampleShape]);
    try {
      const labels = Int32Array.from({ length: end - start }, (_, i) => o.labels[start + i] as number);
      const adversarial = pgdBatch(o.model, x, labels, o.classes, o.epsilon, settings, rng, o.mask);
      out.set(adversarial.dataSync() as Float32Array, start * size);
      adversarial.dispose();
    } finally {
      x.dispose();
    }
  }
  return out;
}

/** Accuracy and attack success rate under PGD at each epsilon, batch by batch (cancellable between batches). */
export function* pgdSweepSteps(o: PgdOptions): Steps<AttackSweep> {
  const settings = defaultPgdSettings(o.settings);
  checkSettings(settings);
  const n = checkAttackInputs({ ...o, target: settings.target });
  const epsilons = checkBudgets(o.epsilons ?? DEFAULT_PGD_EPSILONS, 'PGD');
  const batchSize = checkBatchSize(o.batchSize ?? DEFAULT_PGD_BATCH);
  const size = o.inputs.length / n;
  const counter = new SweepCounter(epsilons, settings.target);
  const rngs = epsilons.map((e) => createRng(deriveSeed(o.seed ?? 1, 'pgd', e)));
  const label = settings.target !== undefined ? 'targeted PGD' : `PGD ${settings.norm}`;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const count = end - start;
    const labels = Int32Array.from({ length: count }, (_, i) => o.labels[start + i] as number);
    const x = tf.tensor(o.inputs.subarray(start * size, end * size), [count, ...o.sampleShape]);
    const rows: Int32Array[] = [];
    try {
      for (const [e, epsilon] of [0, ...epsilons].entries()) {
        const predicted = tf.tidy(() => {
          const input =
            e === 0
              ? x
              : pgdBatch(
                  o.model,
                  x,
                  labels,
                  o.classes,
                  epsilon,
                  settings,
                  rngs[e - 1] as () => number,
                  o.mask,
                );
          return tf.argMax(singleOutput(o.model.apply(input, { training: false })), -1);
        });
        rows.push(predicted.dataSync() as Int32Array);
        predicted.dispose();
        if (e > 0)
          yield {
            fraction: (start + (count * e) / epsilons.length) / n,
            message: `${label}: ${end} of ${n} samples, epsilon ${epsilon}`,
          };
      }
    } finally {
      x.dispose();
    }
    for (let i = 0; i < count; i++)
      counter.add(
        labels[i] as number,
        rows[0]?.[i] as number,
        rows.slice(1).map((r) => r[i] as number),
      );
  }
  return counter.result({
    attack: 'pgd',
    norm: settings.norm,
    unit: o.unit ?? 'model input units',
    targeted: settings.target !== undefined,
    ...(settings.target !== undefined
      ? { target: o.classNames?.[settings.target] ?? String(settings.target) }
      : {}),
    params: {
      steps: settings.steps,
      stepSize: settings.stepSize,
      restarts: settings.restarts,
      randomStart: settings.randomStart,
      seed: o.seed ?? 1,
    },
  });
}

export function pgdSweepAsync(o: PgdOptions, context?: JobContext): Promise<AttackSweep> {
  return runStepsAsync(pgdSweepSteps(o), context);
}
