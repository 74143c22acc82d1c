import { readFileSync } from 'node:fs';

import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';

/** Shared by the validation tests: backend, real fixtures (MIT-BIH, NSTDB) and synthetic data with known sizes. */
export async function useCpuBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
}

const fixtures = new URL('../../../test/fixtures/validate/', import.meta.url);

function readInt16(name: string): Int16Array {
  const raw = readFileSync(new URL(name, fixtures));
  return new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** ADC units per mV of MIT-BIH and of the NSTDB noise records (their headers say 200, or 0 = default 200). */
const ADC_GAIN = 200;

/** First 60 s of signal 0 ("noise1") of the NSTDB record bw or ma, in mV, 360 Hz. */
export function loadNoise(record: 'bw' | 'ma'): Float32Array {
  return Float32Array.from(readInt16(`nstdb-${record}-noise1-60s.i16`), (v) => v / ADC_GAIN);
}

export const MITDB_118_WINDOW = 40;
export const MITDB_118_R_INDEX = 20;

/**
 * The first 303 beats of MIT-BIH record 118, lead MLII, in time order: windows of 40 samples with the R peak
 * (reference annotation) at index 20, in mV; labels are AAMI indices (0 N, 1 S, 2 V). They hold exactly the first
 * 300 beats that nst measures (all but the 3 V beats).
 */
export function loadRecord118(): { windows: Float32Array; labels: Uint8Array } {
  const windows = Float32Array.from(readInt16('mitdb-118-mlii-windows40.i16'), (v) => v / ADC_GAIN);
  const labels = new Uint8Array(readFileSync(new URL('mitdb-118-labels.u8', fixtures)));
  if (windows.length !== labels.length * MITDB_118_WINDOW)
    throw new Error('record 118 fixture and labels disagree');
  return { windows, labels };
}

/** Standard normal samples (Box-Muller) from a seeded generator. */
export function gaussianNoise(count: number, sigma: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = sigma * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export const BEAT_LENGTH = 187;
export const R_INDEX = 90;

/**
 * A QRS-like beat of known peak-to-peak amplitude within +-50 ms of the R peak: R wave +0.7 A at the R index,
 * S wave -0.3 A 6 samples later (both smooth), plus a T wave of 0.2 A 70 samples later (outside the QRS
 * window, so it must not count). `wide` gives a ventricular-looking beat (broad QRS).
 */
export function syntheticBeat(amplitude: number, wide = false): Float32Array {
  const beat = new Float32Array(BEAT_LENGTH);
  const width = wide ? 6 : 2;
  for (let i = 0; i < BEAT_LENGTH; i++) {
    const r = Math.exp(-(((i - R_INDEX) / width) ** 2));
    const s = Math.exp(-(((i - R_INDEX - 3 * width) / width) ** 2));
    const t = Math.exp(-(((i - R_INDEX - 70) / 12) ** 2));
    beat[i] = amplitude * (0.7 * r - 0.3 * s + 0.2 * t);
  }
  // Scale so that max - min within +-18 samples of the R peak is exactly the requested amplitude.
  let min = Infinity;
  let max = -Infinity;
  for (let i = R_INDEX - 18; i <= R_INDEX + 18; i++) {
    min = Math.min(min, beat[i] as number);
    max = Math.max(max, beat[i] as number);
  }
  const scale = amplitude / (max - min);
  return beat.map((v) => v * scale);
}

/** Per-beat standardization, the model input of the ECG models (a private copy for the tests). */
export function standardize(windows: Float32Array, length: number): Float32Array {
  const out = new Float32Array(windows.length);
  for (let start = 0; start < windows.length; start += length) {
    let mean = 0;
    for (let i = 0; i < length; i++) mean += windows[start + i] as number;
    mean /= length;
    let variance = 0;
    for (let i = 0; i < length; i++) variance += ((windows[start + i] as number) - mean) ** 2;
    const std = Math.sqrt(variance / length);
    for (let i = 0; i < length; i++) out[start + i] = ((windows[start + i] as number) - mean) / (std + 1e-6);
  }
  return out;
}

/** A small dense softmax classifier with seeded weights. */
export function denseClassifier(
  inputShape: number[],
  classes: number,
  hidden = 16,
  seed = 5,
): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape }),
      tfl.layers.dense({
        units: hidden,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.dense({
        units: classes,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** Trains `model` on (inputs, labels) without shuffling, so that the run is reproducible. */
export async function train(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  labels: ArrayLike<number>,
  classes: number,
  epochs: number,
): Promise<void> {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const n = labels.length;
  const x = tf.tensor(inputs, [n, ...sampleShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), classes));
  try {
    await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  } finally {
    x.dispose();
    y.dispose();
  }
}

/**
 * A synthetic task with known structure: `classes` fixed +-1 patterns of `length` values, plus Gaussian noise
 * of standard deviation `sigma`; labels drawn uniformly. Same seed, same samples.
 */
export function prototypeTask(
  n: number,
  seed: number,
  o: { length?: number; classes?: number; sigma?: number } = {},
): { inputs: Float32Array; labels: Int32Array } {
  const length = o.length ?? 16;
  const classes = o.classes ?? 3;
  const pattern = seededRandom(1);
  const prototypes = Array.from({ length: classes }, () =>
    Array.from({ length }, () => (pattern() < 0.5 ? -1 : 1)),
  );
  const random = seededRandom(seed);
  const noise = gaussianNoise(n * length, o.sigma ?? 0.6, seed + 100);
  const labels = Int32Array.from({ length: n }, () => Math.floor(random() * classes));
  const inputs = new Float32Array(n * length);
  labels.forEach((label, i) => {
    for (let j = 0; j < length; j++)
      inputs[i * length + j] = (prototypes[label]?.[j] as number) + (noise[i * length + j] as number);
  });
  return { inputs, labels };
}
