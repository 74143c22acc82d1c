import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import type { WasmKernelCalls } from './kernel-calls.js';
import { tapSpan } from './conv-taps.js';
import { heapOffset, type ConvRows, type RowsGeometry, type SimdKernels } from './simd-module.js';
import { WINOGRAD, WINOGRAD_FILTER_GRAD } from './winograd-wat.js';
import { WINOGRAD_ROWS, WINOGRAD_ROWS_FILTER_GRAD } from './winograd-rows-wat.js';

/**
 * Whether our SIMD convolution kernels handle this geometry: stride and dilation 1 (every convolution of
 * ecg-resnet and of the image models' 3x3 layers, and every input gradient, which is such a convolution) and
 * output channels in whole vectors of 8.
 */
export function simdConvApplies(info: tf.backend_util.Conv2DInfo, outChannels: number): boolean {
  return (
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    outChannels % 8 === 0 &&
    outChannels > 0 &&
    info.inChannels > 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0
  );
}

/** Zeros around NHWC x: [top, bottom, left, right] rows and columns (all zero: x itself). */
function padSpatial(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  pads: [number, number, number, number],
): tf.TensorInfo {
  const [top, bottom, left, right] = pads;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const padded = calls.output([batch, height + top + bottom, width + left + right, channels]);
  kernels.padSpatial(
    heapOffset(calls.backend, x),
    heapOffset(calls.backend, padded),
    batch,
    height,
    width,
    channels,
    top,
    bottom,
    left,
    right,
  );
  return padded;
}

/**
 * x zero-padded by the convolution's padding on every side, so that every tap reads inside it (any stride and
 * dilation). Our kernels read only the rows and columns some tap reaches, so rows or columns that 'valid'
 * padding leaves unused are not cropped.
 */
export function padToTaps(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { inHeight, inWidth, padInfo } = info;
  const [spanHeight, spanWidth] = tapSpan(info);
  return padSpatial(calls, kernels, x, [
    padInfo.top,
    Math.max(0, spanHeight - inHeight - padInfo.top),
    padInfo.left,
    Math.max(0, spanWidth - inWidth - padInfo.left),
  ]);
}

/** The padded input's geometry in the terms of simd-wat.ts. */
function rowsOf(padded: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): ConvRows {
  const [, height, width, channels] = padded.shape as [number, number, number, number];
  return [
    info.batchSize,
    info.outHeight,
    info.outWidth,
    info.inChannels,
    info.filterWidth * channels,
    info.filterHeight,
    width * channels,
    height * width * channels,
    info.outChannels,
  ];
}

/** What the convolution kernels take for their epilogue: the bias's offset, whether there is one, ReLU or not. */
function epilogueArgs(
  backend: BackendWasm,
  epilogue: { bias?: tf.TensorInfo; relu?: boolean },
): [bias: number, hasBias: number, relu: number] {
  return [
    epilogue.bias === undefined ? 0 : heapOffset(backend, epilogue.bias),
    epilogue.bias === undefined ? 0 : 1,
    epilogue.relu === true ? 1 : 0,
  ];
}

/**
 * y = act(conv(x, filter) + bias) for NHWC x and [fh, fw, inC, outC] filter (see simdConvApplies), bias [outC]
 * or none, act ReLU or the identity.
 */
export function convForwardSimd(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  epilogue: { bias?: tf.TensorInfo; relu?: boolean } = {},
): tf.TensorInfo {
  if (winogradApplies(kernels, info)) return convWinograd(calls, kernels, x, filter, info, epilogue);
  if (winogradRowsApply(kernels, info)) return convWinogradRows(calls, kernels, x, filter, info, epilogue);
  const padded = padToTaps(calls, kernels, x, info);
  const out = calls.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  const backend = calls.backend;
  kernels.conv(
    heapOffset(backend, padded),
    heapOffset(backend, filter),
    ...epilogueArgs(backend, epilogue),
    heapOffset(backend, out),
    ...rowsOf(padded, info),
  );
  return out;
}

/** dW[fh, fw, inC, outC] = sum over samples and positions of x_pad * dy (see simdConvApplies). */
export function filterGradSimd(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  if (winogradApplies(kernels, info)) return filterGradWinograd(calls, kernels, x, dy, info);
  if (winogradRowsApply(kernels, info)) return filterGradWinogradRows(calls, kernels, x, dy, info);
  const padded = padToTaps(calls, kernels, x, info);
  const out = calls.output([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
  const backend: BackendWasm = calls.backend;
  kernels.filterGrad(
    heapOffset(backend, padded),
    heapOffset(backend, dy),
    heapOffset(backend, out),
    ...rowsOf(padded, info),
  );
  return out;
}

/** 1-D (one row high), filter width 5, channels in whole vectors, and at least 8 output columns. */
export function winogradApplies(kernels: SimdKernels, info: tf.backend_util.Conv2DInfo): boolean {
  return (
    kernels.winograd &&
    info.inHeight === 1 &&
    info.filterHeight === 1 &&
    info.filterWidth === 5 &&
    info.inChannels % 4 === 0 &&
    info.outWidth >= 8
  );
}

/** Filters 3 wide (any height), channels in whole vectors, and at least 4 output columns. */
export function winogradRowsApply(kernels: SimdKernels, info: tf.backend_util.Conv2DInfo): boolean {
  return kernels.winograd && info.filterWidth === 3 && info.inChannels % 4 === 0 && info.outWidth >= 4;
}

function rowsGeometry(info: tf.backend_util.Conv2DInfo): RowsGeometry {
  const { batchSize, inHeight, inWidth, padInfo, outHeight, outWidth, filterHeight, inChannels } = info;
  return [
    batchSize,
    inHeight,
    inWidth,
    padInfo.top,
    padInfo.left,
    outHeight,
    outWidth,
    filterHeight,
    inChannels,
    info.outChannels,
  ];
}

/** The convolution by Winograd's F(4, 3) along its rows (winograd-rows-wat.ts), for what winogradRowsApply accepts. */
function convWinogradRows(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  epilogue: { bias?: tf.TensorInfo; relu?: boolean },
): tf.TensorInfo {
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight } = info;
  const { points, outputs } = WINOGRAD_ROWS;
  const tiles = Math.ceil(outWidth / outputs);
  const backend = calls.backend;
  const u = calls.output([points, filterHeight, inChannels, outChannels]);
  kernels.winogradRowsFilter(
    heapOffset(backend, filter),
    heapOffset(backend, u),
    filterHeight,
    inChannels,
    outChannels,
  );
  const v = calls.output([points, outHeight + filterHeight - 1, tiles, inChannels]);
  const m = calls.output([points, outHeight, tiles, outChannels]);
  const out = calls.output([batchSize, outHeight, outWidth, outChannels]);
  kernels.winogradRowsConv(
    heapOffset(backend, x),
    heapOffset(backend, u),
    ...epilogueArgs(backend, epilogue),
    heapOffset(backend, out),
    ...rowsGeometry(info),
    heapOffset(backend, v),
    heapOffset(backend, m),
  );
  return out;
}

/**
 * The convolution by Winograd's F(6, 5) (winograd-wat.ts), for what winogradApplies accepts. `flipped`: the
 * filter is the forward filter [1, 5, outChannels, inChannels] of the layer whose input gradient this is, which
 * the filter transform flips and transposes itself.
 */
export function convWinograd(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  epilogue: { bias?: tf.TensorInfo; relu?: boolean },
  flipped = false,
): tf.TensorInfo {
  const { batchSize, inWidth, inChannels, outWidth, outChannels, padInfo } = info;
  const tiles = Math.ceil(outWidth / WINOGRAD.outputs);
  const backend = calls.backend;
  const u = calls.output([WINOGRAD.points, inChannels, outChannels]);
  if (flipped) {
    kernels.winogradFilterFlipped(
      heapOffset(backend, filter),
      heapOffset(backend, u),
      outChannels,
      inChannels,
    );
  } else {
    kernels.winogradFilter(heapOffset(backend, filter), heapOffset(backend, u), inChannels, outChannels);
  }
  const v = calls.output([WINOGRAD.points, tiles, inChannels]);
  const m = calls.output([WINOGRAD.points, tiles, outChannels]);
  const out = calls.output([batchSize, 1, outWidth, outChannels]);
  kernels.winogradConv(
    heapOffset(backend, x),
    heapOffset(backend, u),
    ...epilogueArgs(backend, epilogue),
    heapOffset(backend, out),
    batchSize,
    inWidth,
    padInfo.left,
    outWidth,
    inChannels,
    outChannels,
    heapOffset(backend, v),
    heapOffset(backend, m),
  );
  return out;
}

/** The filter gradient by Winograd's F(5, 4) (winograd-wat.ts), for what winogradApplies accepts. */
function filterGradWinograd(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inWidth, inChannels, outWidth, outChannels, padInfo } = info;
  const { points, taps, outputs } = WINOGRAD_FILTER_GRAD;
  const tiles = Math.ceil(outWidth / taps);
  const backend = calls.backend;
  const v = calls.output([points, tiles, inChannels]);
  const d = calls.output([points, tiles, outChannels]);
  const p = calls.output([points, inChannels, outChannels]);
  const out = calls.output([1, outputs, inChannels, outChannels]);
  kernels.winogradFilterGrad(
    heapOffset(backend, x),
    heapOffset(backend, dy),
    heapOffset(backend, out),
    batchSize,
    inWidth,
    padInfo.left,
    outWidth,
    inChannels,
    outChannels,
    heapOffset(backend, v),
    heapOffset(backend, d),
    heapOffset(backend, p),
  );
  return out;
}

/** The filter gradient by Winograd's F(3, 4) along the rows (winograd-rows-wat.ts), for what winogradRowsApply accepts. */
function filterGradWinogradRows(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { inChannels, outHeight, outWidth, outChannels, filterHeight } = info;
  const { points, taps, outputs } = WINOGRAD_ROWS_FILTER_GRAD;
  const tiles = Math.ceil(outWidth / taps);
  const backend = calls.backend;
  const v = calls.output([points, outHeight + filterHeight - 1, tiles, inChannels]);
  const d = calls.output([points, outHeight, tiles, outChannels]);
  const p = calls.output([filterHeight, points, inChannels, outChannels]);
  const out = calls.output([filterHeight, outputs, inChannels, outChannels]);
  kernels.winogradRowsFilterGrad(
    heapOffset(backend, x),
    heapOffset(backend, dy),
    heapOffset(backend, out),
    ...rowsGeometry(info),
    heapOffset(backend, v),
    heapOffset(backend, d),
    heapOffset(backend, p),
  );
  return out;
}
