import { tf, type tfl } from '../engine/tf.js';

/** The part of tfjs-layers' BatchNormalization this module sets: its moving-average momentum, read at each call. */
interface BatchNormLayer {
  momentum: number;
}

function batchNormLayers(model: tfl.LayersModel): BatchNormLayer[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as BatchNormLayer[];
}

/**
 * Recomputes every batch-norm layer's moving mean and variance from training samples, as the average over batches
 * (momentum k / (k + 1) at the k-th batch, 0-based), instead of the exponential average the optimizer steps left.
 * Why: on a small dataset an epoch is a few steps, and the moving statistics still carry much of their
 * initial values (0 and 1) when the model is scored; inference then sees other activations than training did,
 * and a model whose training loss is near zero answers one class on held-out data. Batches interleave samples
 * from across the training set (datasets are often stored by record or class), so each batch is a mix.
 * Returns false, changing nothing, for a model without batch norm.
 */
export function recalibrateBatchNorm(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  options: { batchSize: number; maxBatches: number },
): boolean {
  const layers = batchNormLayers(model);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = Math.floor(inputs.length / size);
  if (layers.length === 0 || n === 0) return false;
  const used = Math.min(n, options.batchSize * options.maxBatches);
  const batches = Math.max(1, Math.ceil(used / options.batchSize));
  const stride = n / used;
  const picks = Array.from({ length: used }, (_, i) => Math.floor(i * stride));
  const saved = layers.map((l) => l.momentum);
  try {
    for (let b = 0; b < batches; b++) {
      const members = picks.filter((_, i) => i % batches === b);
      if (members.length === 0) continue;
      const batch = new Float32Array(members.length * size);
      members.forEach((sample, k) =>
        batch.set(inputs.subarray(sample * size, (sample + 1) * size), k * size),
      );
      for (const layer of layers) layer.momentum = b / (b + 1);
      tf.tidy(() => {
        model.apply(tf.tensor(batch, [members.length, ...sampleShape]), { training: true });
      });
    }
  } finally {
    layers.forEach((l, k) => (l.momentum = saved[k] as number));
  }
  return true;
}
