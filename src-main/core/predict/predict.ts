import { tf, type tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import { runSteps, type Steps } from '../jobs/steps.js';

export const DEFAULT_PREDICT_BATCH = 512;

/** Number of samples in a flat input array of per-sample shape `shape`; throws if it does not divide evenly. */
export function sampleCount(inputs: Float32Array, shape: number[]): number {
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw badInput(`sample shape must be positive integers, got [${shape.join(', ')}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (inputs.length % size !== 0) {
    throw badInput(`${inputs.length} input values do not divide into samples of shape [${shape.join(', ')}]`);
  }
  return inputs.length / size;
}

export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw badInput(`batch size must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
}

/** The output tensor of a single-output model applied to a concrete tensor. */
export function singleOutput(
  output: tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[],
): tf.Tensor {
  if (Array.isArray(output) || !(output instanceof tf.Tensor)) {
    throw badInput('the model must have one output (class probabilities)');
  }
  return output;
}

/** Arg-max class of the samples [start, end), read back to JS; no tensor outlives the call. */
function predictBatch(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  start: number,
  end: number,
): Int32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const classes = tf.tidy(() => {
    const x = tf.tensor(inputs.subarray(start * size, end * size), [end - start, ...shape]);
    return tf.argMax(singleOutput(model.apply(x, { training: false })), -1);
  });
  try {
    return classes.dataSync() as Int32Array;
  } finally {
    classes.dispose();
  }
}

/** predictClasses as steps, pausing after each batch (see steps.ts). */
export function* predictClassesSteps(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  batchSize = DEFAULT_PREDICT_BATCH,
): Steps<Int32Array> {
  const n = sampleCount(inputs, shape);
  checkBatchSize(batchSize);
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    out.set(predictBatch(model, inputs, shape, start, end), start);
    if (end < n) yield undefined;
  }
  return out;
}

/**
 * Predicted class (arg-max of the model output) of every sample, in batches so that memory stays bounded
 * whatever the number of samples. `inputs` holds the samples back to back, each of shape `shape`
 * (e.g. [187, 1] for a beat window).
 */
export function predictClasses(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  batchSize = DEFAULT_PREDICT_BATCH,
): Int32Array {
  return runSteps(predictClassesSteps(model, inputs, shape, batchSize));
}

/** predictProbabilities as steps, pausing after each batch (see steps.ts). */
export function* predictProbabilitiesSteps(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  batchSize = DEFAULT_PREDICT_BATCH,
): Steps<{ probabilities: Float32Array; classes: number }> {
  const n = sampleCount(inputs, shape);
  checkBatchSize(batchSize);
  const size = shape.reduce((a, b) => a * b, 1);
  let out: Float32Array | undefined;
  let classes = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const output = tf.tidy(() => {
      const x = tf.tensor(inputs.subarray(start * size, end * size), [end - start, ...shape]);
      return singleOutput(model.apply(x, { training: false }));
    });
    try {
      classes = output.shape[output.shape.length - 1] ?? 0;
      out ??= new Float32Array(n * classes);
      out.set(output.dataSync() as Float32Array, start * classes);
    } finally {
      output.dispose();
    }
    if (end < n) yield undefined;
  }
  return { probabilities: out ?? new Float32Array(0), classes };
}

/**
 * The model output (class probabilities, softmax) of every sample, row by row: probabilities[i * classes + c].
 * Batched like predictClasses; no tensor outlives the call.
 */
export function predictProbabilities(
  model: tfl.LayersModel,
  inputs: Float32Array,
  shape: number[],
  batchSize = DEFAULT_PREDICT_BATCH,
): { probabilities: Float32Array; classes: number } {
  return runSteps(predictProbabilitiesSteps(model, inputs, shape, batchSize));
}

/** Arg-max of each row of a row-major probability matrix. */
export function argMaxRows(probabilities: Float32Array, classes: number): Int32Array {
  const n = classes > 0 ? probabilities.length / classes : 0;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((probabilities[i * classes + c] as number) > (probabilities[i * classes + best] as number))
        best = c;
    out[i] = best;
  }
  return out;
}
