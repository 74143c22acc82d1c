import { tf, type tfl } from '../src-main/core/engine/tf.js';
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
  input: number[];
  /** As `attest train` runs: data-parallel over `train_workers` worker replicas beside the main thread. */
  train_samples_per_s: number;
  train_workers: number;
  /** model.fit in the main thread alone. */
  train_samples_per_s_one_thread: number;
  /** Batches of `infer_batch` split across the same replicas, as `attest validate` predicts. */
  infer_samples_per_s: number;
  infer_samples_per_s_one_thread: number;
  train_batch: number;
  infer_batch: number;
  /** Timed passes per figure (their median), after one warm-up pass. */
  runs: number;
}

/** What to measure: the peers' protocol is random N(0, 1) inputs, Adam at 1e-3, categorical cross-entropy. */
export interface ModelBenchSpec {
  name: string;
  build: () => tfl.LayersModel;
  sampleShape: number[];
  classes: number;
  samples: number;
  trainBatch: number;
  inferBatch: number;
}

/** Training and inference samples per second of one model, on the main thread alone and as the app runs it. */
export async function benchModel(spec: ModelBenchSpec): Promise<ModelBench> {
  const { samples, sampleShape, classes, trainBatch, inferBatch } = spec;
  const model = spec.build();
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([samples, ...sampleShape], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([samples], 0, classes, 'int32', 2), classes));
  try {
    const epoch = async (): Promise<void> => {
      await model.fit(x, y, { epochs: 1, batchSize: trainBatch, shuffle: false, verbose: 0 });
    };
    await epoch(); // warm-up: kernels compiled, memory allocated
    const oneThread = await medianRate(samples, epoch);
    const workers = ReplicaPool.defaultSize(engineInfo().backend);
    const train = await replicatedSamplesPerSecond(spec, workers);
    const infer = (): void => {
      for (let i = 0; i < samples; i += inferBatch) {
        tf.tidy(() => {
          const size = Math.min(inferBatch, samples - i);
          const batch = tf.slice(x, [i, ...sampleShape.map(() => 0)], [size, ...sampleShape]);
          (model.predict(batch, { batchSize: inferBatch }) as tf.Tensor).dataSync();
        });
      }
    };
    infer();
    const inferenceOneThread = await medianRate(samples, infer);
    const predictor = await ReplicatedPredictor.start(model, sampleShape, classes, engineInfo().backend);
    const inputs = x.dataSync() as Float32Array;
    const predictAll = async (): Promise<void> => {
      await predictor.predict(inputs, inferBatch);
    };
    await predictAll();
    const inference = await medianRate(samples, predictAll);
    await predictor.close();
    return {
      model: spec.name,
      params: model.countParams(),
      input: sampleShape,
      train_samples_per_s: Math.round(train * 10) / 10,
      train_workers: workers,
      train_samples_per_s_one_thread: Math.round(oneThread * 10) / 10,
      infer_samples_per_s: Math.round(inference * 10) / 10,
      infer_samples_per_s_one_thread: Math.round(inferenceOneThread * 10) / 10,
      train_batch: trainBatch,
      infer_batch: inferBatch,
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
async function replicatedSamplesPerSecond(spec: ModelBenchSpec, workers: number): Promise<number> {
  const { samples, sampleShape, classes } = spec;
  const model = spec.build();
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const inputs = new Float32Array(samples * sampleShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < inputs.length; i++) inputs[i] = Math.sin(i * 0.37) + Math.cos(i * 0.011);
  const labels = Int32Array.from({ length: samples }, (_, i) => i % classes);
  const ends: number[] = [];
  try {
    await fitEpochs({
      model,
      inputs,
      labels,
      sampleShape,
      classes,
      epochs: 1 + TIMED_PASSES,
      batchSize: spec.trainBatch,
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
