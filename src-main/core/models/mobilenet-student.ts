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

/**
 * A MobileNet-style student (Howard et al. 2017) for 32 to 512 px images, for distillation and edge deployment:
 *   Conv2D(16 * alpha, 3x3, stride 2) -> ReLU6
 *   6 x [DepthwiseConv2D(3x3, stride s) -> ReLU6 -> Conv2D(c * alpha, 1x1) -> ReLU6]
 *   GlobalAveragePooling -> Dense(classes) softmax
 * Depthwise separable convolutions cost about 1/8 of full 3x3 convolutions of the same width. alpha is the width
 * multiplier (0.5 by default: ~19k parameters with one input channel and 3 classes).
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
  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  let x = tfl.layers
    .conv2d({
      name: 'stem',
      filters: Math.max(8, Math.round(16 * alpha)),
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu6',
      kernelInitializer: init('stem'),
      biasInitializer: 'zeros',
    })
    .apply(input) as tfl.SymbolicTensor;
  BLOCKS.forEach(([filters, stride], b) => {
    const dw = `block${b + 1}_depthwise`;
    const pw = `block${b + 1}_pointwise`;
    x = tfl.layers
      .depthwiseConv2d({
        name: dw,
        kernelSize: 3,
        strides: stride,
        padding: 'same',
        activation: 'relu6',
        depthwiseInitializer: init(dw),
        biasInitializer: 'zeros',
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .conv2d({
        name: pw,
        filters: Math.max(8, Math.round(filters * alpha)),
        kernelSize: 1,
        padding: 'same',
        activation: 'relu6',
        kernelInitializer: init(pw),
        biasInitializer: 'zeros',
      })
      .apply(x) as tfl.SymbolicTensor;
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
