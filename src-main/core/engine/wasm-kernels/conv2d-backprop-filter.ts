import { tf } from '../tf.js';
import { composeKernel, type WasmKernelCalls } from './kernel-calls.js';
import { convGeometry, padToSpan } from './conv-taps.js';
import { filterGradSimd, simdConvApplies } from './conv-simd.js';
import { simdKernelsOf } from './simd-module.js';

/**
 * Gradient of Conv2D (and so of Conv1D) with respect to its filter, which the wasm backend lacks:
 *   dW[i, j, c, o] = sum over (b, p, q) of x_pad[b, i*dh + p*sh, j*dw + q*sw, c] * dy[b, p, q, o]
 * TF.js's Conv2DBackpropFilter has no dilation attribute; a `dilations` attribute, when given, is honoured.
 */
export const conv2DBackpropFilterWasm: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };
    const info = convGeometry(x.shape, a.filterShape, a, false, 'Conv2DBackpropFilter');
    const kernels = simdKernelsOf(backend);
    if (kernels !== undefined && x.dtype === 'float32' && simdConvApplies(info, info.outChannels)) {
      return composeKernel(backend, (calls) => filterGradSimd(calls, kernels, x, dy, info));
    }
    return composeKernel(backend, (calls) =>
      info.strideHeight === 1 && info.strideWidth === 1
        ? filterGradUnstrided(calls, x, dy, info)
        : filterGradAsConvolution(calls, x, dy, info),
    );
  },
};

/**
 * Stride 1 (every convolution of ecg-resnet). With x_pad channels-first and flattened, X[c, n] for
 * n = (b, row, col), and dy laid on the same grid (zeros where it has no value), D[n, o], tap (i, j) is
 * X shifted by s = i*dh*spanWidth + j*dw columns times D. X[c, n + s] over all n is one contiguous run of
 * memory, so the shifted matrix is a view, not an im2col copy; D is the same operand for every tap, so the
 * backend packs it once. A shift only reads across an image's (or channel's) end where dy is zero.
 */
function filterGradUnstrided(
  calls: WasmKernelCalls,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const images = padToSpan(calls, calls.transpose(x, [3, 0, 1, 2]), info, [2, 3]); // [inC, b, spanH, spanW]
  const [spanHeight, spanWidth] = [images.shape[2] as number, images.shape[3] as number];
  const positions = tf.util.sizeFromShape(images.shape) / inChannels;
  const maxShift = (filterHeight - 1) * dilationHeight * spanWidth + (filterWidth - 1) * dilationWidth;
  const flat = calls.pad(calls.reshape(images, [inChannels * positions]), [[0, maxShift]]);
  const onGrid = calls.pad(dy, [
    [0, 0],
    [0, spanHeight - outHeight],
    [0, spanWidth - outWidth],
    [0, 0],
  ]);
  const grads = calls.reshape(onGrid, [positions, outChannels]);
  const perTap: tf.TensorInfo[] = [];
  for (let i = 0; i < filterHeight; i++) {
    for (let j = 0; j < filterWidth; j++) {
      const shifted = calls.view(flat, i * dilationHeight * spanWidth + j * dilationWidth, [
        inChannels,
        positions,
      ]);
      perTap.push(
        calls.run('BatchMatMul', { a: shifted, b: grads }, { transposeA: false, transposeB: false }),
      );
    }
  }
  return calls.reshape(calls.concat(perTap, 0), [filterHeight, filterWidth, inChannels, outChannels]);
}

/**
 * Any stride: the gradient is itself a forward convolution, run by the backend's XNNPACK Conv2D. The input
 * channels c become the batch, the batch b the input channels, dy [oh, ow, b, outC] the filter (dilated by the
 * stride), and the filter taps (i, j) the output positions (strided by the dilation).
 */
function filterGradAsConvolution(
  calls: WasmKernelCalls,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const images = padToSpan(calls, calls.transpose(x, [3, 1, 2, 0]), info, [1, 2]); // [inC, H, W, b]
  const kernel = calls.transpose(dy, [1, 2, 0, 3]); // [oh, ow, b, outC]
  const product = calls.run(
    'Conv2D',
    { x: images, filter: kernel },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: 'valid',
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  ); // [inC, fh, fw, outC]
  return calls.transpose(product, [1, 2, 0, 3]);
}
