import { tf } from '../src-main/core/engine/tf.js';
import { buildEcgResnet } from '../src-main/core/models/ecg-resnet.js';
import { engineInfo } from '../src-main/core/engine/backend.js';
import { fitEpochs } from '../src-main/core/train/fit-epochs.js';
import { ReplicaPool } from '../src-main/core/train/replica-pool.js';
import { ReplicatedPredictor } from '../src-main/core/train/replicated-predict.js';
import { median } from '../src-main/core/compress/measure-model.js';

/** Timed passes after the warm-up; every figure is their median (one pass moves by up to 20% here). */
export const TIMED_PASSES = 3;

/** Samples per second: the median over TIMED_PASSES runs of `pass`, each over `samples` samples. */
async function medianRate(samples: number, pass: () => Promise<void> | void): Promise<number> {
  const rates: number[] = [];
  for (let k = 0; k < TIMED_PASSES; k++) {
    const start = performance.now();
    await pass();
    rates.push(samples / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

export interface ModelBench {
  model: string;
  params: number;
  /** As `attest train` runs: data-parallel over `train_workers` worker replicas beside the main thread. */
  train_samples_per_s: number;
  train_workers: number;
  /** model.fit in the main thread alone. */
  train_samples_per_s_one_thread: number;
  /** Batches of 256 split across the same replicas. */
  infer_samples_per_s: number;
  infer_samples_per_s_one_thread: number;
  train_batch: number;
  infer_batch: number;
  /** Timed passes per figure (their median), after one warm-up pass. */
  runs: number;
}

/** The same measurement as the PyTorch peer: random N(0,1) inputs, Adam, batch 64; inference at batch 256. */
export async function benchEcgResnet(samples = 2048): Promise<ModelBench> {
  const model = buildEcgResnet({ inputLength: 187, classes: 5, seed: 0 });
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([samples, 187, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([samples], 0, 5, 'int32', 2), 5));
  try {
    const epoch = async (): Promise<void> => {
      await model.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    };
    await epoch(); // warm-up: kernels compiled, memory allocated
    const oneThread = await medianRate(samples, epoch);
    const workers = ReplicaPool.defaultSize(engineInfo().backend);
    const train = await replicatedSamplesPerSecond(samples, workers);
    const infer = (): void => {
      for (let i = 0; i < samples; i += 256) {
        tf.tidy(() => {
          const batch = tf.slice(x, [i, 0, 0], [Math.min(256, samples - i), 187, 1]);
          (model.predict(batch, { batchSize: 256 }) as tf.Tensor).dataSync();
        });
      }
    };
    infer();
    const inferenceOneThread = await medianRate(samples, infer);
    const predictor = await ReplicatedPredictor.start(model, [187, 1], 5, engineInfo().backend);
    const inputs = x.dataSync() as Float32Array;
    await predictor.predict(inputs);
    const inference = await medianRate(samples, async () => {
      await predictor.predict(inputs);
    });
    await predictor.close();
    return {
      model: 'ecg-resnet',
      params: model.countParams(),
      train_samples_per_s: Math.round(train * 10) / 10,
      train_workers: workers,
      train_samples_per_s_one_thread: Math.round(oneThread * 10) / 10,
      infer_samples_per_s: Math.round(inference * 10) / 10,
      infer_samples_per_s_one_thread: Math.round(inferenceOneThread * 10) / 10,
      train_batch: 64,
      infer_batch: 256,
      runs: TIMED_PASSES,
    };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

/** Samples per second through fitEpochs with `workers` replicas: the median epoch after the first (a warm-up). */
async function replicatedSamplesPerSecond(samples: number, workers: number): Promise<number> {
  const model = buildEcgResnet({ inputLength: 187, classes: 5, seed: 0 });
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const inputs = new Float32Array(samples * 187);
  for (let i = 0; i < inputs.length; i++) inputs[i] = Math.sin(i * 0.37) + Math.cos(i * 0.011);
  const labels = Int32Array.from({ length: samples }, (_, i) => i % 5);
  const ends: number[] = [];
  try {
    await fitEpochs({
      model,
      inputs,
      labels,
      sampleShape: [187, 1],
      classes: 5,
      epochs: 1 + TIMED_PASSES,
      batchSize: 64,
      seed: 1,
      signal: new AbortController().signal,
      replicas: workers,
      onEpochEnd() {
        ends.push(performance.now());
        return 'continue';
      },
    });
    return median(ends.slice(1).map((end, k) => samples / ((end - (ends[k] as number)) / 1000)));
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}
