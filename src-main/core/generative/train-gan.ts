import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import { throwIfCancelled } from '../jobs/job-context.js';
import { badInput } from '../errors.js';
import { buildDiscriminator, buildGenerator, type GanShape } from './conditional-gan.js';
import { gaussianArray } from './latent.js';
import { translateBatch } from './diff-augment.js';

export interface GanTrainingOptions {
  /** Training patches as pixels in [0, 1], back to back (n x height x width x channels). */
  pixels: Float32Array;
  labels: ArrayLike<number>;
  shape: GanShape;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  signal: AbortSignal;
  /** Wall-clock time (ms since epoch) after which training stops at the end of the running epoch. */
  deadline?: number;
  onBatch?(epoch: number, fractionOfEpoch: number): void;
  onEpoch?(record: GanEpochRecord): void;
}

export interface GanEpochRecord {
  epoch: number;
  discriminatorLoss: number;
  generatorLoss: number;
  /** Mean probability the discriminator gives real patches, and generated ones: near 0.5 both at balance. */
  realScore: number;
  fakeScore: number;
}

export interface GanTrainingResult {
  /** The trained generator; the caller owns it and must dispose of it. */
  generator: tfl.LayersModel;
  history: GanEpochRecord[];
  epochsRun: number;
  stoppedBy: 'epochs' | 'time-limit';
}

/** The share of the real label the discriminator is trained towards (one-sided label smoothing, Salimans 2016). */
const REAL_TARGET = 0.9;

/**
 * Adversarial training of the class-conditional DCGAN (see conditional-gan.ts) with our own loop: Adam(lr, 0.5)
 * for both networks, non-saturating generator loss, one-sided label smoothing, and the same random translation
 * applied to real and generated patches before the discriminator sees them (DiffAugment, Zhao et al. 2020),
 * which keeps a discriminator from memorising a few hundred images. Fake patches are drawn with the labels of
 * the real batch, so the class mix is the data's. Every random draw is seeded: the same seed on the same backend
 * gives the same generator.
 */
export async function trainConditionalGan(o: GanTrainingOptions): Promise<GanTrainingResult> {
  const { shape, batchSize } = o;
  const size = shape.height * shape.width * shape.channels;
  const n = o.labels.length;
  if (n === 0 || o.pixels.length !== n * size)
    throw badInput(`${o.pixels.length} pixel values do not make ${n} patches of ${size}`);
  if (n < 8) throw badInput(`the generative model needs at least 8 training patches, got ${n}`);
  const generator = buildGenerator(shape, o.seed);
  const discriminator = buildDiscriminator(shape, o.seed);
  const generatorOptimizer = tf.train.adam(o.learningRate, 0.5, 0.999);
  const discriminatorOptimizer = tf.train.adam(o.learningRate, 0.5, 0.999);
  const generatorVariables = generator.trainableWeights.map((w) => w.read() as tf.Variable);
  const discriminatorVariables = discriminator.trainableWeights.map((w) => w.read() as tf.Variable);
  const history: GanEpochRecord[] = [];
  let stoppedBy: GanTrainingResult['stoppedBy'] = 'epochs';
  const random = createRng(deriveSeed(o.seed, 'gan-draws'));
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const order = shuffledIndices(n, createRng(deriveSeed(o.seed, 'gan-epoch', epoch)));
      const sums = { d: 0, g: 0, real: 0, fake: 0, batches: 0 };
      // Whole batches only: a last batch of one or two patches gives the discriminator a noisy step.
      const batches = Math.max(1, Math.floor(n / batchSize));
      for (let b = 0; b < batches; b++) {
        throwIfCancelled(o.signal);
        const count = Math.min(batchSize, n);
        const real = new Float32Array(count * size);
        const labels = new Int32Array(count);
        for (let k = 0; k < count; k++) {
          const i = order[(b * batchSize + k) % n] as number;
          for (let j = 0; j < size; j++) real[k * size + j] = 2 * (o.pixels[i * size + j] as number) - 1;
          labels[k] = o.labels[i] as number;
        }
        const shifts = Array.from({ length: count }, () => [random(), random()] as const);
        const zD = gaussianArray(count * shape.latent, random);
        const zG = gaussianArray(count * shape.latent, random);
        const figures = tf.tidy(() => {
          const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), shape.classes), 'float32');
          const realBatch = translateBatch(
            tf.tensor4d(real, [count, shape.height, shape.width, shape.channels]),
            shifts,
          );
          const fake = generator.apply([tf.tensor2d(zD, [count, shape.latent]), y], {
            training: true,
          }) as tf.Tensor4D;
          const fakeBatch = translateBatch(fake, shifts);
          let realLogitMean = 0;
          let fakeLogitMean = 0;
          const discriminatorLoss = discriminatorOptimizer.minimize(
            () => {
              const realLogit = discriminator.apply([realBatch, y], { training: true }) as tf.Tensor;
              const fakeLogit = discriminator.apply([fakeBatch, y], { training: true }) as tf.Tensor;
              realLogitMean = tf.mean(tf.sigmoid(realLogit)).dataSync()[0] as number;
              fakeLogitMean = tf.mean(tf.sigmoid(fakeLogit)).dataSync()[0] as number;
              // Binary cross-entropy from logits: softplus(l) - t * l.
              const realLoss = tf.mean(tf.sub(tf.softplus(realLogit), tf.mul(realLogit, REAL_TARGET)));
              const fakeLoss = tf.mean(tf.softplus(fakeLogit));
              return tf.add(realLoss, fakeLoss) as tf.Scalar;
            },
            true,
            discriminatorVariables,
          );
          const generatorLoss = generatorOptimizer.minimize(
            () => {
              const made = generator.apply([tf.tensor2d(zG, [count, shape.latent]), y], {
                training: true,
              }) as tf.Tensor4D;
              const logit = discriminator.apply([translateBatch(made, shifts), y], {
                training: true,
              }) as tf.Tensor;
              return tf.mean(tf.softplus(tf.neg(logit))) as tf.Scalar;
            },
            true,
            generatorVariables,
          );
          return {
            d: discriminatorLoss?.dataSync()[0] ?? NaN,
            g: generatorLoss?.dataSync()[0] ?? NaN,
            real: realLogitMean,
            fake: fakeLogitMean,
          };
        });
        sums.d += figures.d;
        sums.g += figures.g;
        sums.real += figures.real;
        sums.fake += figures.fake;
        sums.batches++;
        o.onBatch?.(epoch, (b + 1) / batches);
        // Let cancellation and progress events through between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const record: GanEpochRecord = {
        epoch,
        discriminatorLoss: sums.d / sums.batches,
        generatorLoss: sums.g / sums.batches,
        realScore: sums.real / sums.batches,
        fakeScore: sums.fake / sums.batches,
      };
      if (!Number.isFinite(record.discriminatorLoss) || !Number.isFinite(record.generatorLoss))
        throw badInput(
          `the generative model diverged at epoch ${epoch} (loss is not finite); lower --learning-rate`,
        );
      history.push(record);
      o.onEpoch?.(record);
      if (o.deadline !== undefined && Date.now() > o.deadline && epoch < o.epochs) {
        stoppedBy = 'time-limit';
        break;
      }
    }
    return { generator, history, epochsRun: history.length, stoppedBy };
  } catch (error) {
    generator.dispose();
    throw error;
  } finally {
    discriminator.dispose();
    generatorOptimizer.dispose();
    discriminatorOptimizer.dispose();
  }
}
