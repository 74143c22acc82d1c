import { tfl } from '../engine/tf.js';
import { checkClasses, checkImageShape, initializerFor } from './image-layers.js';

const FILTERS = [16, 32, 64];

/**
 * A small 2-D CNN baseline for 16 to 512 px images (64 to 224 in practice):
 *   3 x [Conv2D(F, 3x3, same) -> ReLU -> Conv2D(F, 3x3, same) -> ReLU -> MaxPool 2x2], F = 16, 32, 64
 *   GlobalAveragePooling -> Dropout(0.2) -> Dense(classes) softmax
 * No batch normalization, so that pruning and int8 quantization see plain convolutions. ~72k parameters with one
 * input channel, independent of the image size.
 */
export function buildSmallCnn(options: {
  sampleShape: number[];
  classes: number;
  seed: number;
}): tfl.LayersModel {
  const [height, width, channels] = checkImageShape('small-cnn', options.sampleShape, 16);
  checkClasses('small-cnn', options.classes);
  const init = initializerFor('small-cnn', options.seed);
  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  let x: tfl.SymbolicTensor = input;
  FILTERS.forEach((filters, b) => {
    for (const k of [1, 2]) {
      const name = `block${b + 1}_conv${k}`;
      x = tfl.layers
        .conv2d({
          name,
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: init(name),
          biasInitializer: 'zeros',
        })
        .apply(x) as tfl.SymbolicTensor;
    }
    x = tfl.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ name: 'dropout', rate: 0.2, seed: 1 }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      name: 'logits',
      units: options.classes,
      activation: 'softmax',
      kernelInitializer: init('logits'),
      biasInitializer: 'zeros',
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'small-cnn' });
}
