import { tfl } from '../engine/tf.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';

/** The shape of the patches a generator makes and the classes it is conditioned on. */
export interface GanShape {
  height: number;
  width: number;
  channels: number;
  classes: number;
  /** Length of the latent noise vector z. */
  latent: number;
}

/** Channels of the generator's base grid, halved at each upsampling (at least 16): small enough for a CPU. */
const BASE_CHANNELS = 32;

const seeded = (seed: number, layer: string) =>
  tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: deriveSeed(seed, 'cgan', layer) });

/** Upsamplings from the base grid: two up to 32 px, three up to 64 px, four above. */
export function upsamplingsFor(height: number, width: number): number {
  const side = Math.max(height, width);
  return side <= 32 ? 2 : side <= 64 ? 3 : 4;
}

export function checkGanShape(shape: GanShape): void {
  const { height, width, channels, classes, latent } = shape;
  if (!(height >= 16 && width >= 16 && height <= 128 && width <= 128))
    throw badInput(`the generative model makes 16 to 128 px patches; the dataset holds ${height} x ${width}`);
  if (channels !== 1 && channels !== 3) throw badInput(`images must have 1 or 3 channels, got ${channels}`);
  if (!Number.isInteger(classes) || classes < 2) throw badInput(`need at least 2 classes, got ${classes}`);
  if (!Number.isInteger(latent) || latent < 8 || latent > 512)
    throw badInput(`--latent must be an integer from 8 to 512, got ${latent}`);
}

/**
 * Class-conditional DCGAN generator (Radford et al. 2016; conditioning as in Mirza & Osindero 2014):
 *   [z, one-hot class] -> Dense(base grid x 64) -> BN -> ReLU
 *   k x [UpSampling 2x (nearest) -> Conv 3x3 -> BN -> ReLU], channels halving from 64 (at least 16)
 *   Conv 3x3 -> tanh, cropped to the patch size.
 * Nearest upsampling followed by a convolution instead of transposed convolutions: the wasm backend has no
 * Conv2DTranspose kernel, and this also avoids their checkerboard artefacts (Odena et al. 2016).
 * Outputs are in [-1, 1] (pixels in [0, 1] scaled by 2x - 1).
 */
export function buildGenerator(shape: GanShape, seed: number): tfl.LayersModel {
  checkGanShape(shape);
  const ups = upsamplingsFor(shape.height, shape.width);
  const factor = 2 ** ups;
  const baseH = Math.ceil(shape.height / factor);
  const baseW = Math.ceil(shape.width / factor);
  const z = tfl.input({ shape: [shape.latent], name: 'latent' });
  const label = tfl.input({ shape: [shape.classes], name: 'class' });
  let x = tfl.layers.concatenate({ name: 'condition' }).apply([z, label]) as tfl.SymbolicTensor;
  let channels = BASE_CHANNELS;
  x = tfl.layers
    .dense({
      name: 'project',
      units: baseH * baseW * channels,
      useBias: false,
      kernelInitializer: seeded(seed, 'project'),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .reshape({ name: 'grid', targetShape: [baseH, baseW, channels] })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'project_bn', momentum: 0.9 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'project_relu' }).apply(x) as tfl.SymbolicTensor;
  for (let k = 1; k <= ups; k++) {
    channels = Math.max(16, channels / 2);
    x = tfl.layers.upSampling2d({ name: `up${k}`, size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .conv2d({
        name: `up${k}_conv`,
        filters: channels,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: seeded(seed, `up${k}_conv`),
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: `up${k}_bn`, momentum: 0.9 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `up${k}_relu` }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers
    .conv2d({
      name: 'image',
      filters: shape.channels,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: seeded(seed, 'image'),
    })
    .apply(x) as tfl.SymbolicTensor;
  const extraH = baseH * factor - shape.height;
  const extraW = baseW * factor - shape.width;
  if (extraH > 0 || extraW > 0)
    x = tfl.layers
      .cropping2D({
        name: 'crop',
        cropping: [
          [Math.floor(extraH / 2), Math.ceil(extraH / 2)],
          [Math.floor(extraW / 2), Math.ceil(extraW / 2)],
        ],
      })
      .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [z, label], outputs: x, name: 'cgan-generator' });
}

/**
 * Projection discriminator (Miyato & Koyama 2018): three stride-2 Conv 3x3 + LeakyReLU(0.2) (32, 64, 128
 * filters, no batch normalization), flattened to features h; the logit is Dense(1)(h) + <h, E y>, where E y is a
 * learnt embedding of the class. Projection conditions more stably than concatenating a label map to the input.
 */
export function buildDiscriminator(shape: GanShape, seed: number): tfl.LayersModel {
  checkGanShape(shape);
  const image = tfl.input({ shape: [shape.height, shape.width, shape.channels], name: 'image' });
  const label = tfl.input({ shape: [shape.classes], name: 'class' });
  let x: tfl.SymbolicTensor = image;
  for (const [k, filters] of [32, 64, 128].entries()) {
    x = tfl.layers
      .conv2d({
        name: `down${k + 1}_conv`,
        filters,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: seeded(seed, `down${k + 1}_conv`),
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.leakyReLU({ name: `down${k + 1}_lrelu`, alpha: 0.2 }).apply(x) as tfl.SymbolicTensor;
  }
  const features = tfl.layers.flatten({ name: 'features' }).apply(x) as tfl.SymbolicTensor;
  const featureCount = (features.shape[1] as number | null) ?? 0;
  const unconditional = tfl.layers
    .dense({ name: 'logit', units: 1, kernelInitializer: seeded(seed, 'logit') })
    .apply(features) as tfl.SymbolicTensor;
  const embedded = tfl.layers
    .dense({
      name: 'class_embedding',
      units: featureCount,
      useBias: false,
      kernelInitializer: seeded(seed, 'class_embedding'),
    })
    .apply(label) as tfl.SymbolicTensor;
  const projection = tfl.layers
    .dot({ name: 'projection', axes: 1 })
    .apply([features, embedded]) as tfl.SymbolicTensor;
  const logit = tfl.layers.add({ name: 'score' }).apply([unconditional, projection]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [image, label], outputs: logit, name: 'cgan-discriminator' });
}
