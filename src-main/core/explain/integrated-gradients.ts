import { tf, type tfl } from '../engine/tf.js';

/**
 * Integrated Gradients (Sundararajan et al. 2017) of each sample for one class, with the all-zero baseline (the
 * mean of standardized inputs): (x - 0) times the mean gradient of p_class along the straight path from 0 to x,
 * by the midpoint rule over `steps` points. By completeness the attributions of a sample add up to
 * p_class(x) - p_class(0); `completenessError` reports how far they are from it (the rule's error).
 */
export function integratedGradients(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  targets: Int32Array,
  steps = 32,
): { attributions: Float32Array; completenessError: number } {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = targets.length;
  const attributions = new Float32Array(n * size);
  let worst = 0;
  const batch = Math.max(1, Math.floor(2048 / steps));
  for (let from = 0; from < n; from += batch) {
    const count = Math.min(batch, n - from);
    const result = tf.tidy(() => {
      const x = tf.tensor(inputs.subarray(from * size, (from + count) * size), [count, ...sampleShape]);
      const mask = tf.oneHot(
        tf.tensor1d(targets.subarray(from, from + count), 'int32'),
        (model.outputs[0]?.shape[1] as number) ?? 1,
      );
      const alphas = Array.from({ length: steps }, (_, k) => (k + 0.5) / steps);
      // All path points of all samples in one batch: [steps * count, ...shape].
      const path = tf.concat(alphas.map((a) => tf.mul(x, a)));
      const pathMask = tf.concat(alphas.map(() => mask));
      const gradient = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(model.apply(p) as tf.Tensor, pathMask)))(path);
      const mean = tf.mean(tf.reshape(gradient, [steps, count, ...sampleShape]), 0);
      const attribution = tf.mul(x, mean);
      const difference = tf.sub(
        tf.sum(tf.mul(model.apply(x) as tf.Tensor, mask), -1),
        tf.sum(tf.mul(model.apply(tf.zerosLike(x)) as tf.Tensor, mask), -1),
      );
      const total = tf.sum(tf.reshape(attribution, [count, size]), -1);
      return { attribution, gap: tf.max(tf.abs(tf.sub(total, difference))) };
    });
    attributions.set(result.attribution.dataSync(), from * size);
    worst = Math.max(worst, result.gap.dataSync()[0] as number);
    result.attribution.dispose();
    result.gap.dispose();
  }
  return { attributions, completenessError: worst };
}
