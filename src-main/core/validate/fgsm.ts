import { tf, type tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import { checkBatchSize, sampleCount, singleOutput } from '../predict/predict.js';
import { runSteps, runStepsAsync, type Steps } from '../jobs/steps.js';

/** Default attack strengths, in the units of the model input (see FgsmResult.unit). */
export const DEFAULT_FGSM_EPSILONS = [0.01, 0.05, 0.1];

/** The unit of epsilon for ECG beat models, whose input is the beat standardized by its own mean and std. */
export const ECG_FGSM_UNIT = 'beat standard deviations (model input)';

export const DEFAULT_FGSM_BATCH = 256;

export interface FgsmPoint {
  epsilon: number;
  accuracy: number;
  /** Fraction of the correctly classified clean samples that the attack flips; null if none was correct. */
  attackSuccessRate: number | null;
}

export interface FgsmResult {
  /** What epsilon is measured in: the perturbation is added to the model input, sample by sample. */
  unit: string;
  norm: 'Linf';
  n: number;
  cleanAccuracy: number;
  points: FgsmPoint[];
}

export interface FgsmOptions {
  model: tfl.LayersModel;
  /** Model inputs (already preprocessed), samples back to back. */
  inputs: Float32Array;
  /** Per-sample shape, e.g. [187, 1]. */
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  epsilons?: number[];
  batchSize?: number;
  /** Unit of epsilon to report; defaults to 'model input units'. */
  unit?: string;
  /** Per sample: 1 where the attack may change a value, 0 on a context tail (see perturbableMask). */
  mask?: Float32Array;
}

/**
 * Gradient sign of the cross-entropy loss of the true class with respect to the input, for one batch.
 * The model outputs probabilities (softmax), so the loss is -log p[true]; probabilities are floored at 1e-30
 * so that the log stays finite (a sample that far off is misclassified already, so losing its gradient
 * changes no result). Samples are independent in inference mode, so the gradient of the batch sum is each
 * sample's own gradient.
 */
function lossGradientSign(
  model: tfl.LayersModel,
  x: tf.Tensor,
  oneHot: tf.Tensor,
  mask?: Float32Array,
): tf.Tensor {
  return tf.tidy(() => {
    const gradient = tf.grad((input: tf.Tensor) => {
      const probabilities = singleOutput(model.apply(input, { training: false }));
      return tf.neg(tf.sum(tf.mul(oneHot, tf.log(tf.maximum(probabilities, 1e-30)))));
    })(x);
    const sign = tf.sign(gradient);
    // A context tail (an ECG beat's R-R intervals) is what the heart did, not a signal to corrupt: left as is.
    return mask !== undefined ? tf.mul(sign, tf.tensor(mask, x.shape.slice(1))) : sign;
  });
}

/**
 * Fast gradient sign method (Goodfellow et al., 2015): x' = x + epsilon * sign(grad_x loss(model(x), y)),
 * with no clipping (a standardized beat has no natural range). Returns the perturbed inputs.
 */
export function fgsmPerturb(o: {
  model: tfl.LayersModel;
  inputs: Float32Array;
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  epsilon: number;
  batchSize?: number;
  mask?: Float32Array;
}): Float32Array {
  const n = checkFgsmInputs(o.inputs, o.sampleShape, o.labels, o.classes);
  checkEpsilon(o.epsilon);
  const batchSize = checkBatchSize(o.batchSize ?? DEFAULT_FGSM_BATCH);
  const size = o.inputs.length / Math.max(n, 1);
  const out = new Float32Array(o.inputs.length);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const adversarial = tf.tidy(() => {
      const { x, oneHot } = batchTensors(o.inputs, o.sampleShape, o.labels, o.classes, start, end);
      return tf.add(x, tf.mul(lossGradientSign(o.model, x, oneHot, o.mask), o.epsilon));
    });
    try {
      out.set(adversarial.dataSync() as Float32Array, start * size);
    } finally {
      adversarial.dispose();
    }
  }
  return out;
}

/**
 * Accuracy under FGSM at each epsilon. The gradient sign is computed once per batch and reused for every
 * epsilon (it does not depend on epsilon), so the cost is one backward pass plus one forward pass per epsilon.
 * Epsilon 0 reproduces the clean accuracy exactly.
 */
export function fgsmSuite(o: FgsmOptions): FgsmResult {
  return runSteps(fgsmSteps(o));
}

/** fgsmSuite that reports progress and can be cancelled between batches. */
export function fgsmSuiteAsync(o: FgsmOptions, context?: JobContext): Promise<FgsmResult> {
  return runStepsAsync(fgsmSteps(o), context);
}

export function* fgsmSteps(o: FgsmOptions): Steps<FgsmResult> {
  const n = checkFgsmInputs(o.inputs, o.sampleShape, o.labels, o.classes);
  if (n === 0) throw badInput('no samples to attack');
  const epsilons = o.epsilons ?? DEFAULT_FGSM_EPSILONS;
  if (epsilons.length === 0) throw badInput('FGSM needs at least one epsilon');
  epsilons.forEach(checkEpsilon);
  const batchSize = checkBatchSize(o.batchSize ?? DEFAULT_FGSM_BATCH);

  let cleanCorrect = 0;
  const correct = new Array<number>(epsilons.length).fill(0);
  const flipped = new Array<number>(epsilons.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    // Row 0: clean predictions; row 1 + e: predictions under epsilons[e].
    const predictions = tf.tidy(() => {
      const { x, oneHot } = batchTensors(o.inputs, o.sampleShape, o.labels, o.classes, start, end);
      const sign = lossGradientSign(o.model, x, oneHot, o.mask);
      // One tidy per forward pass, so that only its arg-max outlives it, not its activations.
      const rows = [0, ...epsilons].map((epsilon, row) =>
        tf.tidy(() => {
          const input = row === 0 ? x : tf.add(x, tf.mul(sign, epsilon));
          return tf.argMax(singleOutput(o.model.apply(input, { training: false })), -1);
        }),
      );
      return tf.stack(rows);
    });
    let values: Int32Array;
    try {
      values = predictions.dataSync() as Int32Array;
    } finally {
      predictions.dispose();
    }
    const count = end - start;
    for (let i = 0; i < count; i++) {
      const label = o.labels[start + i] as number;
      const cleanRight = values[i] === label;
      if (cleanRight) cleanCorrect++;
      epsilons.forEach((_, e) => {
        const right = values[(e + 1) * count + i] === label;
        if (right) correct[e] = (correct[e] as number) + 1;
        if (cleanRight && !right) flipped[e] = (flipped[e] as number) + 1;
      });
    }
    yield { fraction: end / n, message: `FGSM: ${end} of ${n} samples` };
  }
  return {
    unit: o.unit ?? 'model input units',
    norm: 'Linf',
    n,
    cleanAccuracy: cleanCorrect / n,
    points: epsilons.map((epsilon, e) => ({
      epsilon,
      accuracy: (correct[e] as number) / n,
      attackSuccessRate: cleanCorrect > 0 ? (flipped[e] as number) / cleanCorrect : null,
    })),
  };
}

function batchTensors(
  inputs: Float32Array,
  shape: number[],
  labels: ArrayLike<number>,
  classes: number,
  start: number,
  end: number,
): { x: tf.Tensor; oneHot: tf.Tensor } {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(inputs.subarray(start * size, end * size), [end - start, ...shape]);
  const batchLabels = Int32Array.from({ length: end - start }, (_, i) => labels[start + i] as number);
  const oneHot = tf.oneHot(tf.tensor1d(batchLabels, 'int32'), classes);
  return { x, oneHot };
}

function checkFgsmInputs(
  inputs: Float32Array,
  shape: number[],
  labels: ArrayLike<number>,
  classes: number,
): number {
  const n = sampleCount(inputs, shape);
  if (labels.length !== n) throw badInput(`${n} samples but ${labels.length} labels`);
  if (!Number.isInteger(classes) || classes < 2)
    throw badInput(`FGSM needs at least 2 classes, got ${classes}`);
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw badInput(`label ${label} at sample ${i} is not a class index from 0 to ${classes - 1}`);
    }
  }
  return n;
}

function checkEpsilon(epsilon: number): void {
  if (!Number.isFinite(epsilon) || epsilon < 0)
    throw badInput(`FGSM epsilon must be a finite number >= 0, got ${epsilon}`);
}
