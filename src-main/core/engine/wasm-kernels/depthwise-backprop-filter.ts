import { tf } from '../tf.js';
import { composeKernel, type WasmKernelCalls } from './kernel-calls.js';
import { convGeometry, inputTaps } from './conv-taps.js';
import { padToTaps } from './conv-simd.js';
import { heapOffset, simdKernelsOf, type SimdKernels } from './simd-module.js';

/**
 * Gradient of a depthwise convolution with respect to its filter [fh, fw, inC, multiplier]:
 *   dW[i, j, c, m] = sum over (b, oh, ow) of x_pad[b, i*dh + oh*sh, j*dw + ow*sw, c] * dy[b, oh, ow, c*M + m]
 * With multiplier 1 and channels in whole vectors (MobileNet-style layers), our SIMD kernel: ~50x the batched
 * matmul below, which multiplies a [taps, N] matrix by a single column per channel. Otherwise each channel is
 * its own small product [taps, N] x [N, M], so all channels go through one batched matmul.
 */
export const depthwiseConv2dNativeBackpropFilterWasm: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const info = convGeometry(x.shape, a.filterShape, a, true, 'DepthwiseConv2dNativeBackpropFilter');
    const { filterHeight, filterWidth, inChannels, batchSize, outHeight, outWidth } = info;
    const multiplier = info.outChannels / inChannels;
    const positions = batchSize * outHeight * outWidth;
    const kernels = simdKernelsOf(backend);
    if (kernels !== undefined && multiplier === 1 && inChannels % 4 === 0 && x.dtype === 'float32') {
      return composeKernel(backend, (calls) => filterGradSimd(calls, kernels, x, dy, info));
    }
    return composeKernel(backend, (calls) => {
      const taps = inputTaps(calls, x, info).map((tap) => calls.reshape(tap, [inChannels, 1, positions]));
      const columns = calls.concat(taps, 1); // [inC, taps, N]
      const grads = calls.transpose(calls.reshape(dy, [positions, inChannels, multiplier]), [1, 0, 2]);
      const product = calls.run(
        'BatchMatMul',
        { a: columns, b: grads },
        { transposeA: false, transposeB: false },
      );
      const byTap = calls.transpose(product, [1, 0, 2]); // [taps, inC, M]
      return calls.reshape(byTap, [filterHeight, filterWidth, inChannels, multiplier]);
    });
  },
};

/** Multiplier 1, channels in whole vectors: x padded so every tap of every output position reads inside it. */
function filterGradSimd(
  calls: WasmKernelCalls,
  kernels: SimdKernels,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padded = padToTaps(calls, kernels, x, info);
  const [, paddedHeight, paddedWidth] = padded.shape as [number, number, number, number];
  const out = calls.output([filterHeight, filterWidth, inChannels, 1]);
  kernels.depthwiseFilterGrad(
    heapOffset(calls.backend, padded),
    heapOffset(calls.backend, dy),
    heapOffset(calls.backend, out),
    batchSize,
    outHeight,
    outWidth,
    inChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    paddedHeight,
    paddedWidth,
  );
  return out;
}
