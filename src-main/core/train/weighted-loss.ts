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
  consistency?: { inputs: tf.Tensor; targets: tf.Tensor2D; kind: 'mse' | 'kl'; weight: number },
): tf.Scalar {
  return tf.tidy(() => {
    const probabilities = model.apply(x, { training: true }) as tf.Tensor;
    const clipped = tf.clipByValue(probabilities, EPSILON, 1 - EPSILON);
    const target = softTargets ?? tf.oneHot(labels, classes);
    let perSample = tf.neg(tf.sum(tf.mul(target, tf.log(clipped)), -1));
    if (stability !== undefined) {
      const noise = tf.randomNormal(x.shape, 0, stability.sigma, 'float32', stability.seed);
      const noisy = tf.add(
        x,
        stability.mask !== undefined ? tf.mul(noise, tf.tensor(stability.mask, x.shape.slice(1))) : noise,
      );
      const other = tf.clipByValue(model.apply(noisy, { training: true }) as tf.Tensor, EPSILON, 1 - EPSILON);
      const kl = tf.sum(tf.mul(clipped, tf.sub(tf.log(clipped), tf.log(other))), -1);
      perSample = tf.add(perSample, tf.mul(kl, stability.alpha));
    }
    let total = tf.sum(tf.mul(perSample, sampleWeights));
    if (consistency !== undefined) {
      const q = tf.clipByValue(
        model.apply(consistency.inputs, { training: true }) as tf.Tensor,
        EPSILON,
        1 - EPSILON,
      );
      const t = consistency.targets;
      const term =
        consistency.kind === 'mse'
          ? tf.sum(tf.square(tf.sub(q, t)))
          : tf.sum(tf.mul(t, tf.sub(tf.log(tf.clipByValue(t, EPSILON, 1)), tf.log(q))));
      total = tf.add(total, tf.mul(term, consistency.weight));
    }
    return tf.mul(total, scale) as tf.Scalar;
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
  const consistency =
    part.consistency !== undefined
      ? {
          inputs: tf.tensor(part.consistency.inputs, [n, ...sampleShape]),
          targets: tf.tensor2d(part.consistency.targets, [n, classes]),
          kind: part.consistency.kind,
          weight: part.consistency.weight,
        }
      : undefined;
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
          consistency,
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
    consistency?.inputs.dispose();
    consistency?.targets.dispose();
  }
}
