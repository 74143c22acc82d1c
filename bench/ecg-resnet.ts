import { tf } from '../src-main/core/engine/tf.js';
import { buildEcgResnet } from '../src-main/core/models/ecg-resnet.js';

export interface ModelBench {
  model: string;
  params: number;
  train_samples_per_s: number;
  infer_samples_per_s: number;
  train_batch: number;
  infer_batch: number;
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
    let start = performance.now();
    await epoch();
    const train = samples / ((performance.now() - start) / 1000);
    const infer = (): void => {
      for (let i = 0; i < samples; i += 256) {
        tf.tidy(() => {
          const batch = tf.slice(x, [i, 0, 0], [Math.min(256, samples - i), 187, 1]);
          (model.predict(batch) as tf.Tensor).dataSync();
        });
      }
    };
    infer();
    start = performance.now();
    infer();
    const inference = samples / ((performance.now() - start) / 1000);
    return {
      model: 'ecg-resnet',
      params: model.countParams(),
      train_samples_per_s: Math.round(train * 10) / 10,
      infer_samples_per_s: Math.round(inference * 10) / 10,
      train_batch: 64,
      infer_batch: 256,
    };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    optimizer.dispose();
  }
}
