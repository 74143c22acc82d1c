import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { backendKernel, setupBackendKernel } from './backend-kernels.js';
import { heapOffset, simdKernelsOf } from './simd-module.js';

/** Whether `small` is one value per channel of `big` (a layer's bias: [C], or [1, ..., 1, C]). */
function isChannelBias(big: tf.TensorInfo, small: tf.TensorInfo): boolean {
  const channels = big.shape[big.shape.length - 1];
  return (
    channels !== undefined &&
    channels % 4 === 0 &&
    small.shape.length >= 1 &&
    small.shape.length <= big.shape.length &&
    small.shape[small.shape.length - 1] === channels &&
    small.shape.slice(0, -1).every((d) => d === 1) &&
    tf.util.sizeFromShape(big.shape) > 0
  );
}

/**
 * Add where one side is a per-channel bias (how TF.js layers add the bias of Conv1D and Dense): 4 channels a
 * lane, ~2x the backend's broadcasting loop. Everything else goes to the backend's own Add.
 */
export const addWasm: tf.KernelConfig = {
  kernelName: tf.Add,
  backendName: 'wasm',
  setupFunc: setupBackendKernel(tf.Add),
  kernelFunc: (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const kernels = simdKernelsOf(args.backend);
    if (kernels !== undefined && a.dtype === 'float32' && b.dtype === 'float32') {
      const pair = isChannelBias(a, b) ? [a, b] : isChannelBias(b, a) ? [b, a] : undefined;
      if (pair !== undefined) {
        const [big, bias] = pair as [tf.TensorInfo, tf.TensorInfo];
        const wasm = args.backend as BackendWasm;
        const out = wasm.makeOutput(big.shape, 'float32');
        const channels = big.shape[big.shape.length - 1] as number;
        kernels.biasAdd(
          heapOffset(wasm, big),
          heapOffset(wasm, bias),
          heapOffset(wasm, out),
          tf.util.sizeFromShape(big.shape) / channels,
          channels,
        );
        return out;
      }
    }
    return backendKernel(tf.Add).kernelFunc(args);
  },
};
