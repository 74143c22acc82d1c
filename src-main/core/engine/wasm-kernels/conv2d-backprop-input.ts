import { tf } from '../tf.js';
import { composeKernel } from './kernel-calls.js';
import { convGeometry } from './conv-taps.js';
import { flipFilter, frameOutputGradient } from './transposed-conv.js';

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
