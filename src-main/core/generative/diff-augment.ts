import { tf } from '../engine/tf.js';

/** The largest shift, as a fraction of the patch side (DiffAugment's translation uses 1/8). */
const MAX_SHIFT = 1 / 8;

/**
 * Differentiable random translation of a batch (DiffAugment, Zhao et al. 2020): each patch moves by up to 1/8 of
 * its side in each direction, the uncovered border filled with 0 (mid-grey in the generator's [-1, 1] range).
 * `shifts` holds two uniform draws in [0, 1) per patch. Built from pad and slice, whose gradients every backend
 * has, so the generator learns through it.
 */
export function translateBatch(
  batch: tf.Tensor4D,
  shifts: readonly (readonly [number, number])[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [count, height, width, channels] = batch.shape;
    const padH = Math.max(1, Math.round(height * MAX_SHIFT));
    const padW = Math.max(1, Math.round(width * MAX_SHIFT));
    const padded = tf.pad(batch, [
      [0, 0],
      [padH, padH],
      [padW, padW],
      [0, 0],
    ]);
    const parts = Array.from({ length: count }, (_, k) => {
      const [u, v] = shifts[k] ?? [0.5, 0.5];
      const top = Math.min(2 * padH, Math.floor(u * (2 * padH + 1)));
      const left = Math.min(2 * padW, Math.floor(v * (2 * padW + 1)));
      return tf.slice(padded, [k, top, left, 0], [1, height, width, channels]);
    });
    return tf.concat(parts, 0) as tf.Tensor4D;
  });
}
