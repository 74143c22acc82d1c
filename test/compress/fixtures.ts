import { readFileSync } from 'node:fs';

import { tf, tfl } from '../../src-main/core/engine/tf.js';

/** Shared by the compression and model-artifact tests: backend, real ECG beats and a small conv1d model. */
export async function useCpuBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
}

export const BEAT_LENGTH = 96;

/**
 * 192 real MIT-BIH beats (record 119, MLII; 96 normal, 96 ventricular), as [n, 96, 1] in mV with each beat's
 * mean removed, and one-hot labels [n, 2]. The caller disposes both tensors.
 */
export function loadBeats(): { x: tf.Tensor3D; y: tf.Tensor2D; labels: Uint8Array } {
  const fixtures = new URL('../../../test/fixtures/compress/', import.meta.url);
  const raw = readFileSync(new URL('mitdb-119-mlii-beats.i16', fixtures));
  const labels = new Uint8Array(readFileSync(new URL('mitdb-119-labels.u8', fixtures)));
  const samples = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const count = labels.length;
  if (samples.length !== count * BEAT_LENGTH) throw new Error('beat fixture and labels disagree');
  const values = new Float32Array(samples.length);
  for (let beat = 0; beat < count; beat++) {
    let mean = 0;
    for (let i = 0; i < BEAT_LENGTH; i++) mean += samples[beat * BEAT_LENGTH + i] as number;
    mean /= BEAT_LENGTH;
    for (let i = 0; i < BEAT_LENGTH; i++)
      values[beat * BEAT_LENGTH + i] = ((samples[beat * BEAT_LENGTH + i] as number) - mean) / 200;
  }
  const oneHot = new Float32Array(count * 2);
  labels.forEach((label, beat) => (oneHot[beat * 2 + label] = 1));
  return {
    x: tf.tensor3d(values, [count, BEAT_LENGTH, 1]),
    y: tf.tensor2d(oneHot, [count, 2]),
    labels,
  };
}

/** conv1d -> flatten -> dense, seeded so that every build has the same weights. */
export function buildSmallModel(seed = 7): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv1d({
        inputShape: [BEAT_LENGTH, 1],
        filters: 8,
        kernelSize: 7,
        strides: 2,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
        biasInitializer: tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed + 1 }),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
        biasInitializer: tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed + 3 }),
      }),
    ],
  });
}

/** A functional model with a residual Add and batch normalization, the shape of the real ECG network. */
export function buildResidualModel(seed = 11): tfl.LayersModel {
  const init = (offset: number) => tfl.initializers.heNormal({ seed: seed + offset });
  const input = tfl.input({ shape: [BEAT_LENGTH, 1] });
  const stem = tfl.layers
    .conv1d({ filters: 8, kernelSize: 7, strides: 2, padding: 'same', kernelInitializer: init(0) })
    .apply(input) as tfl.SymbolicTensor;
  const normalized = tfl.layers.batchNormalization().apply(stem) as tfl.SymbolicTensor;
  const activated = tfl.layers.reLU().apply(normalized) as tfl.SymbolicTensor;
  const branch = tfl.layers
    .conv1d({ filters: 8, kernelSize: 5, padding: 'same', kernelInitializer: init(1) })
    .apply(activated) as tfl.SymbolicTensor;
  const sum = tfl.layers.add().apply([branch, stem]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling1d().apply(sum) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({ units: 2, activation: 'softmax', kernelInitializer: init(2) })
    .apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}
