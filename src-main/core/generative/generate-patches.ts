import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed } from '../engine/seed.js';
import type { GanShape } from './conditional-gan.js';
import { gaussianArray } from './latent.js';

export interface GeneratedPatches {
  /** Pixels in [0, 1], back to back, classes in order (all of class 0, then class 1...). */
  pixels: Float32Array;
  labels: Int32Array;
}

const BATCH = 128;

/**
 * Draws `counts[c]` patches of each class c from a generator, in inference mode (batch normalization with its
 * running statistics), from seeded latent vectors: the same seed gives the same patches on the same backend.
 */
export function generatePatches(
  generator: tfl.LayersModel,
  shape: GanShape,
  counts: readonly number[],
  seed: number,
): GeneratedPatches {
  const size = shape.height * shape.width * shape.channels;
  const labels = Int32Array.from(counts.flatMap((count, c) => Array.from({ length: count }, () => c)));
  const pixels = new Float32Array(labels.length * size);
  const random = createRng(deriveSeed(seed, 'generate-patches'));
  for (let from = 0; from < labels.length; from += BATCH) {
    const count = Math.min(BATCH, labels.length - from);
    const z = gaussianArray(count * shape.latent, random);
    tf.tidy(() => {
      const y = tf.cast(
        tf.oneHot(tf.tensor1d(labels.subarray(from, from + count), 'int32'), shape.classes),
        'float32',
      );
      const made = generator.predict([tf.tensor2d(z, [count, shape.latent]), y]) as tf.Tensor;
      const values = made.dataSync();
      // Generator outputs are in [-1, 1]; pixels in [0, 1].
      for (let j = 0; j < values.length; j++)
        pixels[from * size + j] = Math.min(1, Math.max(0, ((values[j] as number) + 1) / 2));
    });
  }
  return { pixels, labels };
}
