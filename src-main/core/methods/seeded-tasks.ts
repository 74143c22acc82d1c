import { tf, tfl } from '../engine/tf.js';
import { createRng, gaussian } from '../engine/seed.js';

/**
 * Small seeded tasks on which a method's mechanism can be reproduced in seconds: vectors drawn around class
 * prototypes with Gaussian noise, and a dense classifier. Not ECG: they show whether a method does what its
 * paper says under controlled conditions, beside (not instead of) the figures on the user's own data.
 */

export const TASK_LENGTH = 16;
export const TASK_CLASSES = 3;

/** n vectors of TASK_LENGTH values: a class's +-1 prototype (the same for every seed) plus noise of sigma. */
export function prototypeTask(
  n: number,
  seed: number,
  sigma: number,
): { inputs: Float32Array; labels: Int32Array } {
  const pattern = createRng(1);
  const prototypes = Array.from({ length: TASK_CLASSES }, () =>
    Array.from({ length: TASK_LENGTH }, () => (pattern() < 0.5 ? -1 : 1)),
  );
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng() * TASK_CLASSES));
  const inputs = new Float32Array(n * TASK_LENGTH);
  labels.forEach((label, i) => {
    for (let j = 0; j < TASK_LENGTH; j++)
      inputs[i * TASK_LENGTH + j] = (prototypes[label]?.[j] as number) + sigma * gaussian(rng);
  });
  return { inputs, labels };
}

/** A one-hidden-layer classifier of the task, compiled with Adam; the caller disposes it and its optimizer. */
export function denseClassifier(
  hidden: number,
  seed: number,
  learningRate = 0.01,
  shape: { length: number; classes: number } = { length: TASK_LENGTH, classes: TASK_CLASSES },
): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [shape.length, 1] }),
      tfl.layers.dense({
        units: hidden,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.dense({
        units: shape.classes,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy' });
  return model;
}

/** Full-batch-free training with model.fit (no shuffling randomness: the order is fixed). */
export async function fitDense(
  model: tfl.LayersModel,
  task: { inputs: Float32Array; labels: Int32Array },
  epochs: number,
  shape: { length: number; classes: number } = { length: TASK_LENGTH, classes: TASK_CLASSES },
): Promise<void> {
  const n = task.labels.length;
  const x = tf.tensor(task.inputs, [n, shape.length, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(task.labels, 'int32'), shape.classes));
  try {
    await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  } finally {
    x.dispose();
    y.dispose();
  }
}

export function disposeModel(model: tfl.LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}
