import { tf } from '../tf.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composeKernel } from './kernel-calls.js';
import { convGeometry, scatterGeometry } from './conv-taps.js';
import { heapOffset, simdKernelsOf } from './simd-module.js';
import { flipFilter, frameOutputGradient } from './transposed-conv.js';

/**
 * Gradient of a depthwise convolution with respect to its input. Strided, with multiplier 1 and channels in
 * whole vectors (MobileNet-style layers), our SIMD scatter kernel: each output position adds dy * W into the
 * input positions its taps read, with no zero-stuffed dy (2.7 -> 0.9 ms on mobilenet-student's strided layer;
 * at stride 1 the backend's depthwise kernel on framed dy is faster). Otherwise as a transposed convolution (see
 * transposed-conv.ts) run by the backend's XNNPACK depthwise kernel:
 *   dx[b, h, w, c] = sum over (i, j, m) of dyz[b, h + pt - i*dh, w + pl - j*dw, c*M + m] * W[i, j, c, m]
 * With multiplier M each of the inC*M output-gradient channels is convolved on its own with its flipped filter
 * and the M results of an input channel are summed.
 */
export const depthwiseConv2dNativeBackpropInputWasm: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    const info = convGeometry(a.inputShape, filter.shape, a, true, 'DepthwiseConv2dNativeBackpropInput');
    const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
    const { filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
    const multiplier = outChannels / inChannels;
    const kernels = simdKernelsOf(backend);
    const strided = info.strideHeight > 1 || info.strideWidth > 1;
    if (
      kernels !== undefined &&
      strided &&
      multiplier === 1 &&
      inChannels % 4 === 0 &&
      dy.dtype === 'float32'
    ) {
      const wasm = backend as BackendWasm;
      const dx = wasm.makeOutput(a.inputShape, 'float32');
      kernels.depthwiseInputGrad(
        heapOffset(wasm, dy),
        heapOffset(wasm, filter),
        heapOffset(wasm, dx),
        ...scatterGeometry(info),
      );
      return dx;
    }
    return composeKernel(backend, (calls) => {
      const framed = frameOutputGradient(calls, dy, info);
      const flipped = flipFilter(calls, filter);
      const perChannel = calls.reshape(flipped, [filterHeight, filterWidth, outChannels, 1]);
      const spreadGrad = calls.run(
        'DepthwiseConv2dNative',
        { x: framed, filter: perChannel },
        { strides: [1, 1], pad: 'valid', dilations: [dilationHeight, dilationWidth] },
      );
      if (multiplier === 1) return spreadGrad;
      const grouped = calls.reshape(spreadGrad, [batchSize, inHeight, inWidth, inChannels, multiplier]);
      return calls.run('Sum', { x: grouped }, { axis: [4], keepDims: false });
    });
  },
};
