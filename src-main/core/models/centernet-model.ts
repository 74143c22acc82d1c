import { tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import { initializerFor } from './image-layers.js';

/** The detector's output grid is the input divided by this (CenterNet's output stride). */
export const OUTPUT_STRIDE = 4;

/** Output channels after the class heatmaps: centre offset (x, y) then log box size (w, h) in grid cells. */
export const BOX_CHANNELS = 4;

/** Heatmap bias at start: sigmoid(-2.19) = 0.1, the focal-loss prior of Lin et al. 2017 (keeps early loss sane). */
const HEATMAP_PRIOR_BIAS = -2.19;

/** Blocks from stride 4 down to stride 16: [width, stride]. Plain 3x3 convolutions until stride 8, depthwise
 * separable ones from the step to stride 16 on (see buildCenternetMobile). */
const DOWN_BLOCKS: [number, number][] = [
  [48, 2], // stride 8
  [48, 1],
  [64, 2], // stride 16
  [64, 1],
  [64, 1],
];

export function checkDetectorInput(height: number, width: number): void {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const)
    if (!Number.isInteger(v) || v < 32 || v > 512 || v % 16 !== 0)
      throw badInput(`detector input ${name} must be a multiple of 16 from 32 to 512, got ${v}`);
}

/**
 * CenterNet-style single-stage, anchor-free detector (Zhou et al. 2019, "Objects as Points") on a small
 * MobileNet-style backbone:
 *   plain Conv 3x3 (16, 32, 48, 48 filters) down to stride 8, then depthwise-separable blocks (MobileNet v1)
 *   down to stride 16 and at it (ReLU6). Depthwise convolutions sit only on the coarse grid: the wasm backend's
 *   depthwise filter gradient costs about 10x a plain convolution's per position, and at stride 4-8 it made
 *   training 2x slower for no gain in parameters worth having.
 *   two nearest-neighbour 2x upsamplings, each added to a 1x1 projection of the backbone at that stride
 *   (a light FPN path back to stride 4, so that small objects keep their position)
 *   one shared Conv 3x3 (ReLU), then 1x1 heads: class heatmaps (logits), centre offset, log box size
 * Output [H/4, W/4, classes + 4], one tensor so that compression and export see a plain layers model. No batch
 * normalization, so that pruning and int8 see plain convolutions.
 */
export function buildCenternetMobile(options: {
  height: number;
  width: number;
  classes: number;
  seed: number;
  /** Width multiplier of every hidden layer (MobileNet's alpha; a distilled student is thinner), default 1. */
  alpha?: number;
}): tfl.LayersModel {
  const { height, width, classes, seed } = options;
  const alpha = options.alpha ?? 1;
  checkDetectorInput(height, width);
  if (!(alpha >= 0.125 && alpha <= 4))
    throw badInput(`detector width multiplier must be 0.125 to 4, got ${alpha}`);
  if (!Number.isInteger(classes) || classes < 1 || classes > 64)
    throw badInput(`a detector needs 1 to 64 classes, got ${classes}`);
  const init = initializerFor('centernet-mobile', seed);
  const conv = (
    name: string,
    filters: number,
    kernelSize: number,
    activation: 'relu6' | 'relu' | 'linear',
    strides = 1,
  ) =>
    tfl.layers.conv2d({
      name,
      filters: Math.max(8, Math.round(filters * alpha)),
      kernelSize,
      strides,
      padding: 'same',
      activation,
      kernelInitializer: init(name),
      biasInitializer: 'zeros',
    });
  const separable = (name: string, x: tfl.SymbolicTensor, filters: number, strides: number) => {
    const dw = `${name}_depthwise`;
    const y = tfl.layers
      .depthwiseConv2d({
        name: dw,
        kernelSize: 3,
        strides,
        padding: 'same',
        activation: 'relu6',
        depthwiseInitializer: init(dw),
        biasInitializer: 'zeros',
      })
      .apply(x) as tfl.SymbolicTensor;
    return conv(`${name}_pointwise`, filters, 1, 'relu6').apply(y) as tfl.SymbolicTensor;
  };
  const input = tfl.input({ shape: [height, width, 3], name: 'image' });
  let x = conv('stem', 16, 3, 'relu6', 2).apply(input) as tfl.SymbolicTensor;
  x = conv('stem2', 32, 3, 'relu6', 2).apply(x) as tfl.SymbolicTensor;
  const byStride = new Map<number, tfl.SymbolicTensor>([[4, x]]);
  let stride = 4;
  DOWN_BLOCKS.forEach(([filters, s], b) => {
    x =
      stride < 8 || (stride === 8 && s === 1)
        ? (conv(`block${b + 1}`, filters, 3, 'relu6', s).apply(x) as tfl.SymbolicTensor)
        : separable(`block${b + 1}`, x, filters, s);
    stride *= s;
    byStride.set(stride, x);
  });
  for (const [target, filters] of [
    [8, 48],
    [4, 32],
  ] as const) {
    const up = tfl.layers.upSampling2d({ name: `up${target}`, size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
    const lateral = conv(`lateral${target}`, filters, 1, 'linear').apply(
      byStride.get(target) as tfl.SymbolicTensor,
    ) as tfl.SymbolicTensor;
    const reduced = conv(`reduce${target}`, filters, 1, 'linear').apply(up) as tfl.SymbolicTensor;
    x = tfl.layers.add({ name: `merge${target}` }).apply([reduced, lateral]) as tfl.SymbolicTensor;
    if (target === 8) x = conv('smooth8', filters, 3, 'relu6').apply(x) as tfl.SymbolicTensor;
  }
  const hidden = conv('head_conv', 48, 3, 'relu').apply(x) as tfl.SymbolicTensor;
  const head = (name: string, outputs: number, biasValue: number) =>
    tfl.layers
      .conv2d({
        name,
        filters: outputs,
        kernelSize: 1,
        padding: 'same',
        kernelInitializer: init(name),
        biasInitializer: tfl.initializers.constant({ value: biasValue }),
      })
      .apply(hidden) as tfl.SymbolicTensor;
  const output = tfl.layers
    .concatenate({ name: 'detections', axis: -1 })
    .apply([
      head('heatmap', classes, HEATMAP_PRIOR_BIAS),
      head('offset', 2, 0),
      head('size', 2, 0),
    ]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'centernet-mobile' });
}
