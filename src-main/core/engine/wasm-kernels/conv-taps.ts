import { tf } from '../tf.js';
import type { WasmKernelCalls } from './kernel-calls.js';
import type { ScatterGeometry } from './simd-module.js';

/**
 * The im2col step shared by the filter gradients, built "channels first" so that the matrix product after it
 * needs no transposed operand (the wasm backend's matmul is ~10x slower with transposeA).
 *
 * For a filter tap (i, j) the input values it meets are x_pad[b, i*dh + oh*sh, j*dw + ow*sw, c] over every
 * output position (oh, ow): one strided slice of the zero-padded input. Returns, per tap in filter order, a
 * [inChannels, batch * outHeight * outWidth] matrix.
 */
export function inputTaps(
  calls: WasmKernelCalls,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo[] {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, padInfo } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  // Only the rows and columns some tap reaches: 'valid' padding can leave the last ones unused.
  const spanHeight = (filterHeight - 1) * dilationHeight + (outHeight - 1) * strideHeight + 1;
  const spanWidth = (filterWidth - 1) * dilationWidth + (outWidth - 1) * strideWidth + 1;
  const channelsFirst = calls.transpose(x, [3, 0, 1, 2]);
  const padded = calls.pad(channelsFirst, [
    [0, 0],
    [0, 0],
    [padInfo.top, Math.max(0, spanHeight - inHeight - padInfo.top)],
    [padInfo.left, Math.max(0, spanWidth - inWidth - padInfo.left)],
  ]);
  const positions = batchSize * outHeight * outWidth;
  const taps: tf.TensorInfo[] = [];
  for (let i = 0; i < filterHeight; i++) {
    for (let j = 0; j < filterWidth; j++) {
      const top = i * dilationHeight;
      const left = j * dilationWidth;
      // Slice copies contiguous runs, about twice as fast as StridedSlice's general loop: only strides need it.
      const tap =
        strideHeight === 1 && strideWidth === 1
          ? calls.run(
              'Slice',
              { x: padded },
              { begin: [0, 0, top, left], size: [inChannels, batchSize, outHeight, outWidth] },
            )
          : calls.stridedSlice(
              padded,
              [0, 0, top, left],
              [
                inChannels,
                batchSize,
                top + (outHeight - 1) * strideHeight + 1,
                left + (outWidth - 1) * strideWidth + 1,
              ],
              [1, 1, strideHeight, strideWidth],
            );
      taps.push(calls.reshape(tap, [inChannels, positions]));
    }
  }
  return taps;
}

/** Conv geometry in TF.js's own terms, so padding and output sizes match the other backends exactly. */
export function convGeometry(
  xShape: number[],
  filterShape: number[],
  attrs: {
    strides: number | [number, number];
    dilations?: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dataFormat?: 'NHWC' | 'NCHW';
  },
  depthwise: boolean,
  kernelName: string,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW')
    throw new Error(`wasm ${kernelName} supports only channels-last (NHWC) data`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

/** Rows and columns of the padded input that the taps of every output position reach. */
export function tapSpan(info: tf.backend_util.Conv2DInfo): [height: number, width: number] {
  const { outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  return [
    (filterHeight - 1) * dilationHeight + (outHeight - 1) * strideHeight + 1,
    (filterWidth - 1) * dilationWidth + (outWidth - 1) * strideWidth + 1,
  ];
}

/** x zero-padded (or cropped, for rows 'valid' padding leaves unused) to exactly the rows and columns taps reach. */
export function padToSpan(
  calls: WasmKernelCalls,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  axes: [number, number],
): tf.TensorInfo {
  const { inHeight, inWidth, padInfo } = info;
  const [spanHeight, spanWidth] = tapSpan(info);
  const paddings: [number, number][] = x.shape.map(() => [0, 0]);
  paddings[axes[0]] = [padInfo.top, Math.max(0, spanHeight - inHeight - padInfo.top)];
  paddings[axes[1]] = [padInfo.left, Math.max(0, spanWidth - inWidth - padInfo.left)];
  const padded = calls.pad(x, paddings);
  if (padded.shape[axes[0]] === spanHeight && padded.shape[axes[1]] === spanWidth) return padded;
  const size = [...padded.shape];
  size[axes[0]] = spanHeight;
  size[axes[1]] = spanWidth;
  return calls.run('Slice', { x: padded }, { begin: x.shape.map(() => 0), size });
}

/** The geometry our scatter kernels (col2im, the depthwise input gradient) take, from TF.js's. */
export function scatterGeometry(info: tf.backend_util.Conv2DInfo): ScatterGeometry {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, padInfo } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  return [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padInfo.top,
    padInfo.left,
  ];
}
