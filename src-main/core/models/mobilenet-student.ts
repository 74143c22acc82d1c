import { tfl } from '../engine/tf.js';
import { checkClasses, checkImageShape, initializerFor } from './image-layers.js';

/** Pointwise widths and depthwise strides of the separable blocks (MobileNet v1's pattern, shortened). */
const BLOCKS: [number, number][] = [
  [32, 1],
  [64, 2],
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
];

/** Running averages move by 10% a step, so that a small dataset's few steps an epoch settle them. */
const BN_MOMENTUM = 0.9;

/**
 * A MobileNet-style student (Howard et al. 2017) for 32 to 512 px images, for distillation and edge deployment:
 *   Conv2D(16 * alpha, 3x3, stride 2) -> BN -> ReLU6
 *   6 x [DepthwiseConv2D(3x3, stride s) -> BN -> ReLU6 -> Conv2D(c * alpha, 1x1) -> BN -> ReLU6
 *        (+ the block's input when stride and width are unchanged)]
 *   GlobalAveragePooling -> Dense(classes) softmax
 * Depthwise separable convolutions cost about 1/8 of full 3x3 convolutions of the same width. alpha is the width
 * multiplier (0.5 by default: ~21k parameters with one input channel and 3 classes). Without batch norm and the
 * residual connections this plain stack stayed at chance (loss ln 2) when trained from scratch.
 */
export function buildMobilenetStudent(options: {
  sampleShape: number[];
  classes: number;
  seed: number;
  alpha?: number;
}): tfl.LayersModel {
  const [height, width, channels] = checkImageShape('mobilenet-student', options.sampleShape, 32);
  checkClasses('mobilenet-student', options.classes);
  const alpha = options.alpha ?? 0.5;
  const init = initializerFor('mobilenet-student', options.seed);
  const bnRelu6 = (x: tfl.SymbolicTensor, name: string) => {
    const y = tfl.layers
      .batchNormalization({ name: `${name}_bn`, momentum: BN_MOMENTUM })
      .apply(x) as tfl.SymbolicTensor;
    return tfl.layers
      .activation({ name: `${name}_relu6`, activation: 'relu6' })
      .apply(y) as tfl.SymbolicTensor;
  };
  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  const stemFilters = Math.max(8, Math.round(16 * alpha));
  let x = tfl.layers
    .conv2d({
      name: 'stem',
      filters: stemFilters,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init('stem'),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = bnRelu6(x, 'stem');
  let filtersIn = stemFilters;
  BLOCKS.forEach(([pointwise, stride], b) => {
    const dw = `block${b + 1}_depthwise`;
    const pw = `block${b + 1}_pointwise`;
    const filters = Math.max(8, Math.round(pointwise * alpha));
    let y = tfl.layers
      .depthwiseConv2d({
        name: dw,
        kernelSize: 3,
        strides: stride,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: init(dw),
      })
      .apply(x) as tfl.SymbolicTensor;
    y = bnRelu6(y, dw);
    y = tfl.layers
      .conv2d({
        name: pw,
        filters,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(pw),
      })
      .apply(y) as tfl.SymbolicTensor;
    y = bnRelu6(y, pw);
    // A residual path where the shapes allow it (blocks 3 and 5), so that gradients reach the stem from scratch.
    x =
      stride === 1 && filters === filtersIn
        ? (tfl.layers.add({ name: `block${b + 1}_add` }).apply([x, y]) as tfl.SymbolicTensor)
        : y;
    filtersIn = filters;
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      name: 'logits',
      units: options.classes,
      activation: 'softmax',
      kernelInitializer: init('logits'),
      biasInitializer: 'zeros',
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'mobilenet-student' });
}
