import { tf } from '../tf.js';
import { composeKernel } from './kernel-calls.js';
import { convGeometry, scatterGeometry } from './conv-taps.js';
import { flipFilter, frameOutputGradient } from './transposed-conv.js';
import { convForwardSimd, convWinograd, simdConvApplies, winogradApplies } from './conv-simd.js';
import { heapOffset, simdKernelsOf, type SimdKernels } from './simd-module.js';
import type { WasmKernelCalls } from './kernel-calls.js';

/**
 * Gradient of Conv2D with respect to its input. The wasm backend has this kernel, but as a plain loop in C
 * that is ~10x slower than its XNNPACK forward convolution (it took 60% of an ecg-resnet training step), so we
 * replace it: the transposed convolution (see transposed-conv.ts) with the filter flipped and its in/out channel
 * axes swapped, [fh, fw, outC, inC], through the backend's own Conv2D.
 */
export const conv2DBackpropInputWasm: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
    const info = convGeometry(a.inputShape, filter.shape, a, false, 'Conv2DBackpropInput');
    const kernels = simdKernelsOf(backend);
    // Strided, or too few input channels for our convolution's blocks of 8 (a first layer's, one channel).
    const scatter = info.strideHeight > 1 || info.strideWidth > 1 || info.inChannels % 8 !== 0;
    if (kernels !== undefined && dy.dtype === 'float32' && scatter) {
      return composeKernel(backend, (calls) => scatterInputGrad(calls, kernels, dy, filter, info));
    }
    if (
      kernels !== undefined &&
      dy.dtype === 'float32' &&
      simdConvApplies(info, info.inChannels) &&
      framingPads(info).every((p) => p >= 0)
    ) {
      return composeKernel(backend, (calls) => inputGradSimd(calls, kernels, dy, filter, info));
    }
    return composeKernel(backend, (calls) => {
      const framed = frameOutputGradient(calls, dy, info);
      const kernel = calls.transpose(flipFilter(calls, filter), [0, 1, 3, 2]);
      return calls.run(
        'Conv2D',
        { x: framed, filter: kernel },
        {
          strides: [1, 1],
          pad: 'valid',
          dataFormat: 'NHWC',
          dilations: [info.dilationHeight, info.dilationWidth],
          dimRoundingMode: undefined,
        },
      );
    });
  },
};

/**
 * Stride and dilation 1 with whole vectors of input channels: the same convolution, with the padding that
 * frames dy (fh - 1 - top above, and so on) done by our kernels rather than the backend's PadV2.
 */
function inputGradSimd(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const [top, bottom, left, right] = framingPads(info);
  const flippedShape = [info.filterHeight, info.filterWidth, info.outChannels, info.inChannels];
  const framing = tf.backend_util.computeConv2DInfo(
    dy.shape as [number, number, number, number],
    flippedShape as [number, number, number, number],
    1,
    1,
    [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
  );
  // Winograd's filter transform flips and transposes the forward filter as it reads it.
  if (winogradApplies(kernels, framing)) return convWinograd(calls, kernels, dy, filter, framing, {}, true);
  const kernel = calls.transpose(flipFilter(calls, filter), [0, 1, 3, 2]);
  return convForwardSimd(calls, kernels, dy, kernel, framing);
}

/** Zeros around dy that make the input gradient a 'valid' convolution (negative: explicit padding beyond it). */
function framingPads(info: tf.backend_util.Conv2DInfo): [number, number, number, number] {
  const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth, padInfo } = info;
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  return [
    top,
    inHeight + filterHeight - 1 - outHeight - top,
    left,
    inWidth + filterWidth - 1 - outWidth - left,
  ];
}

/**
 * Strides above 1, or input channels too few for our convolution kernel: rather than convolving a zero-stuffed
 * dy (3 in 4 of its values zeros at stride 2; the first layer of mobilenet-student, one input channel, took
 * 10 ms of a 53 ms step that way), one matrix product gives every output position's contribution to each tap,
 * cols[p, tap, c] = sum over o of dy[p, o] W[tap, c, o] (the backend's BatchMatMul), and col2im adds each into
 * the input position that tap reads.
 */
function scatterInputGrad(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth } = info;
  const positions = batchSize * outHeight * outWidth;
  const cols = calls.run(
    'BatchMatMul',
    {
      a: calls.reshape(dy, [1, positions, outChannels]),
      b: calls.reshape(filter, [1, filterHeight * filterWidth * inChannels, outChannels]),
    },
    { transposeA: false, transposeB: true },
  );
  const dx = calls.output([batchSize, inHeight, inWidth, inChannels]);
  kernels.col2im(heapOffset(calls.backend, cols), heapOffset(calls.backend, dx), ...scatterGeometry(info));
  return dx;
}
