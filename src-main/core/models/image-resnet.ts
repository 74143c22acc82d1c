import { tfl } from '../engine/tf.js';
import { deriveSeed } from '../engine/seed.js';
import { checkClasses, checkImageShape } from './image-layers.js';

/** A ResNet variant: basic blocks per stage and the filters of the first stage (doubled at each later stage). */
export interface ResnetShape {
  /** Basic blocks per stage: [2, 2, 2, 2] is ResNet-18. */
  blocks: number[];
  /** Filters of the first stage: 64 in ResNet-18, times a width multiplier here. */
  baseFilters: number;
}

/**
 * Batch normalization's running averages move by 10% a step (TF.js defaults to 1%): a small medical set gives a
 * few steps an epoch, and validation after each epoch must already see settled averages.
 */
const BN_MOMENTUM = 0.9;

/**
 * The first stage works on at most about 32 px: the stem downsamples larger images (stride 2 from 48 px, and a
 * max pooling too from 96 px), so that 128 px costs about what 32 px does. MedMNIST's ResNet-18 at 28 px keeps
 * full resolution the same way (3x3 stem, no pooling).
 */
function stemStrides(height: number, width: number): { conv: number; pool: boolean } {
  const side = Math.min(height, width);
  return { conv: side >= 48 ? 2 : 1, pool: side >= 96 };
}

/**
 * A ResNet for 16 to 512 px images (He et al. 2016, basic blocks), sized for a CPU:
 *   stem: Conv2D(F, 3x3) -> BN -> ReLU [-> MaxPool 3x3/2 from 96 px]
 *   stage s = 1..S: blocks[s] x BasicBlock(F * 2^(s-1)), the first block of stages 2.. with stride 2
 *     BasicBlock: Conv3x3 -> BN -> ReLU -> Conv3x3 -> BN, + shortcut (identity, or Conv1x1 -> BN when the shape
 *     changes) -> ReLU
 *   GlobalAveragePooling -> Dense(classes) softmax
 * Convolutions carry no bias (the batch norm that follows has one). Weights are He-normal, seeded per layer name.
 */
export function buildImageResnet(options: {
  arch: string;
  shape: ResnetShape;
  sampleShape: number[];
  classes: number;
  seed: number;
}): tfl.LayersModel {
  const { arch, shape } = options;
  const [height, width, channels] = checkImageShape(arch, options.sampleShape, 16);
  checkClasses(arch, options.classes);
  const init = (layer: string) => tfl.initializers.heNormal({ seed: deriveSeed(options.seed, arch, layer) });
  const conv = (x: tfl.SymbolicTensor, name: string, filters: number, kernel: number, strides: number) =>
    tfl.layers
      .conv2d({
        name,
        filters,
        kernelSize: kernel,
        strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(name),
      })
      .apply(x) as tfl.SymbolicTensor;
  const bn = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers.batchNormalization({ name, momentum: BN_MOMENTUM }).apply(x) as tfl.SymbolicTensor;
  const relu = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers.activation({ name, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;

  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  const stem = stemStrides(height, width);
  let x = relu(bn(conv(input, 'stem_conv', shape.baseFilters, 3, stem.conv), 'stem_bn'), 'stem_relu');
  if (stem.pool)
    x = tfl.layers
      .maxPooling2d({ name: 'stem_pool', poolSize: 3, strides: 2, padding: 'same' })
      .apply(x) as tfl.SymbolicTensor;
  let filtersIn = shape.baseFilters;
  shape.blocks.forEach((count, s) => {
    const filters = shape.baseFilters * 2 ** s;
    for (let b = 0; b < count; b++) {
      const name = `stage${s + 1}_block${b + 1}`;
      const strides = s > 0 && b === 0 ? 2 : 1;
      let y = relu(bn(conv(x, `${name}_conv1`, filters, 3, strides), `${name}_bn1`), `${name}_relu1`);
      y = bn(conv(y, `${name}_conv2`, filters, 3, 1), `${name}_bn2`);
      const shortcut =
        strides === 1 && filtersIn === filters
          ? x
          : bn(conv(x, `${name}_shortcut`, filters, 1, strides), `${name}_shortcut_bn`);
      x = tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tfl.SymbolicTensor;
      x = relu(x, `${name}_relu2`);
      filtersIn = filters;
    }
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      name: 'logits',
      units: options.classes,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: deriveSeed(options.seed, arch, 'logits') }),
      biasInitializer: 'zeros',
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: arch });
}
