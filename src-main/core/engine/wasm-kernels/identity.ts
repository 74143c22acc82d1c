import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/**
 * Identity (tf.clone) sharing the input's data, as the cpu backend does, instead of the wasm backend's copy:
 * autodiff clones every tensor it saves for the backward pass, so the copies cost ~4% of an ecg-resnet training
 * step. Sharing is safe because tensor data is never written in place (a Variable's assign swaps its data id).
 */
export const identityWasm: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') throw new Error('Identity of strings is not supported on wasm');
    (backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

/** A real copy of x into new backend memory (what the replaced Identity did), for callers that need one. */
export function copyTensorWasm(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, x.dtype);
  // Views are taken after the allocation, which may have grown (and so detached) the heap.
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
  return out;
}
