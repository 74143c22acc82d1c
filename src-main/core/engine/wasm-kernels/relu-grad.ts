import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { heapOffset, simdKernelsActive, simdKernelsOf } from './simd-module.js';

/** Our kernel for dy * step(x): registered on wasm only, and only called where our SIMD kernels run. */
export const RELU_GRAD = 'AttestReluGrad';

export const reluGradWasm: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const wasm = backend as BackendWasm;
    const kernels = simdKernelsOf(backend);
    if (kernels === undefined) throw new Error(`${RELU_GRAD} needs the SIMD kernels`);
    const out = wasm.makeOutput(x.shape, 'float32');
    kernels.reluGrad(
      heapOffset(wasm, x),
      heapOffset(wasm, dy),
      heapOffset(wasm, out),
      tf.util.sizeFromShape(x.shape),
    );
    return out;
  },
};

/**
 * ReLU's gradient, as TF.js defines it (dy * step(x): Step, Cast and Multiply, three passes over the
 * activation), except on wasm with our kernels, where one pass computes the same values. Every ReLU layer of a
 * training step goes through it (12 in ecg-resnet).
 */
export const reluGradient: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const dyTensor = dy as tf.Tensor;
    return {
      x: () =>
        simdKernelsActive() && x.dtype === 'float32' && dyTensor.dtype === 'float32'
          ? (tf.engine().runKernel(RELU_GRAD, { dy: dyTensor, x }) as tf.Tensor)
          : tf.mul(dyTensor, tf.cast(tf.step(x), 'float32')),
    };
  },
};
