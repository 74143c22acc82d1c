import type { tfl } from '../engine/tf.js';

/**
 * Parameter counts for size reports: every weight of the model (trainable or not, e.g. batch-norm moving
 * statistics, as model.countParams does) and how many of them are not exactly zero after pruning.
 */
export function countParams(model: tfl.LayersModel): { params: number; nonzero: number } {
  let params = 0;
  let nonzero = 0;
  for (const weight of model.weights) {
    const values = weight.read().dataSync();
    params += values.length;
    for (const value of values) if (value !== 0) nonzero++;
  }
  return { params, nonzero };
}
