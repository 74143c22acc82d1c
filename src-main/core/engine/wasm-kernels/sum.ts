import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { backendKernel, setupBackendKernel } from './backend-kernels.js';
import { heapOffset, simdKernelsOf } from './simd-module.js';

/**
 * Sum over every axis but the last (the gradient of a per-channel bias, 18 times a step of ecg-resnet): one
 * pass down the rows, 4 channels a lane. The backend's own Sum first transposes the reduced axes innermost, a
 * full copy. Other reductions go to the backend's kernel.
 */
export const sumWasm: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  setupFunc: setupBackendKernel(tf.Sum),
  kernelFunc: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const kernels = simdKernelsOf(args.backend);
    const rank = x.shape.length;
    const channels = x.shape[rank - 1];
    if (
      kernels !== undefined &&
      x.dtype === 'float32' &&
      rank >= 2 &&
      channels !== undefined &&
      channels % 4 === 0
    ) {
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
      const leading = axes.length === rank - 1 && axes.every((a, i) => a === i);
      if (leading && tf.util.sizeFromShape(x.shape) > 0) {
        const wasm = args.backend as BackendWasm;
        const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
        const out = wasm.makeOutput(shape, 'float32');
        kernels.columnSum(
          heapOffset(wasm, x),
          heapOffset(wasm, out),
          tf.util.sizeFromShape(x.shape) / channels,
          channels,
        );
        return out;
      }
    }
    return backendKernel(tf.Sum).kernelFunc(args);
  },
};
