import { tf, type tfl } from '../engine/tf.js';
import type { BatchPart, StabilityTerm } from './replica-protocol.js';

/** The epsilon Keras clips probabilities with before the logarithm. */
const EPSILON = 1e-7;

/**
 * Sum over the batch of sampleWeight_i * (crossEntropy_i [+ alpha * KL_i of the stability term]), times `scale`: with scale = 1 / (whole batch size), a
 * batch split across replicas has gradients that add up to those of the whole batch. The model ends in a
 * softmax, as every classifier here does; the loss is Keras' categorical cross-entropy.
 */
export function weightedCrossEntropy(
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  sampleWeights: tf.Tensor1D,
  classes: number,
  scale: number,
  stability?: StabilityTerm & { seed: number },
  softTargets?: tf.Tensor2D,
): tf.Scalar {
  return tf.tidy(() => {
    const probabilities = model.apply(x, { training: true }) as tf.Tensor;
    const clipped = tf.clipByValue(probabilities, EPSILON, 1 - EPSILON);
    const target = softTargets ?? tf.oneHot(labels, classes);
    let perSample = tf.neg(tf.sum(tf.mul(target, tf.log(clipped)), -1));
    if (stability !== undefined) {
      const noisy = tf.add(x, tf.randomNormal(x.shape, 0, stability.sigma, 'float32', stability.seed));
      const other = tf.clipByValue(model.apply(noisy, { training: true }) as tf.Tensor, EPSILON, 1 - EPSILON);
      const kl = tf.sum(tf.mul(clipped, tf.sub(tf.log(clipped), tf.log(other))), -1);
      perSample = tf.add(perSample, tf.mul(kl, stability.alpha));
    }
    return tf.mul(tf.sum(tf.mul(perSample, sampleWeights)), scale) as tf.Scalar;
  });
}

/** The variables a model trains, in trainableWeights order (the order replicas exchange gradients in). */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Gradients of the weighted loss of one (part of a) batch, read back to JS, in trainableVariables order. */
export function batchGradients(
  model: tfl.LayersModel,
  variables: tf.Variable[],
  part: BatchPart,
  sampleShape: number[],
  classes: number,
  scale: number,
  stability?: StabilityTerm,
): { loss: number; gradients: Float32Array[] } {
  const n = part.labels.length;
  const x = tf.tensor(part.x, [n, ...sampleShape]);
  const labels = tf.tensor1d(part.labels, 'int32');
  const weights = tf.tensor1d(part.sampleWeights);
  const targets = part.targets !== undefined ? tf.tensor2d(part.targets, [n, classes]) : undefined;
  try {
    const { value, grads } = tf.variableGrads(
      () =>
        weightedCrossEntropy(
          model,
          x,
          labels,
          weights,
          classes,
          scale,
          stability !== undefined ? { ...stability, seed: part.noiseSeed ?? 0 } : undefined,
          targets,
        ),
      variables,
    );
    try {
      const gradients = variables.map((v) => (grads[v.name] as tf.Tensor).dataSync() as Float32Array);
      return { loss: value.dataSync()[0] as number, gradients: gradients.map((g) => g.slice()) };
    } finally {
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    }
  } finally {
    x.dispose();
    labels.dispose();
    weights.dispose();
    targets?.dispose();
  }
}
