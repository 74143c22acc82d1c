import { tf } from '../tf.js';
import { composeKernel } from './kernel-calls.js';
import { convGeometry, inputTaps } from './conv-taps.js';

/**
 * Gradient of a depthwise convolution with respect to its filter [fh, fw, inC, multiplier]:
 *   dW[i, j, c, m] = sum over (b, oh, ow) of x_pad[b, i*dh + oh*sh, j*dw + ow*sw, c] * dy[b, oh, ow, c*M + m]
 * Each channel is its own small product [taps, N] x [N, M], so all channels go through one batched matmul.
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
