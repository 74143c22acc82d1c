import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { backendKernel, setupBackendKernel } from './backend-kernels.js';
import { heapOffset, simdKernelsActive, simdKernelsOf } from './simd-module.js';

/** Kernel name of our gradient of min(x, s) with respect to x (wasm only, with our SIMD kernels). */
export const MIN_GRAD = 'AttestMinGrad';

/** [big, scalar] when one side is one float32 value of rank at most the other's (the output is big's shape). */
function scalarPair(a: tf.TensorInfo, b: tf.TensorInfo): [tf.TensorInfo, tf.TensorInfo, boolean] | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const fits = (big: tf.TensorInfo, small: tf.TensorInfo) =>
    tf.util.sizeFromShape(small.shape) === 1 && small.shape.length <= big.shape.length;
  if (fits(a, b)) return [a, b, false];
  if (fits(b, a)) return [b, a, true];
  return undefined;
}

/**
 * Minimum against a scalar (TF.js layers' ReLU6, min(6, relu(x)), in MobileNet-style models) in one SIMD pass:
 * the backend's broadcasting loop took ~3 ns an element. Everything else goes to the backend's own Minimum.
 */
export const minimumWasm: tf.KernelConfig = {
  kernelName: tf.Minimum,
  backendName: 'wasm',
  setupFunc: setupBackendKernel(tf.Minimum),
  kernelFunc: (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const kernels = simdKernelsOf(args.backend);
    const pair = kernels === undefined ? undefined : scalarPair(a, b);
    if (kernels === undefined || pair === undefined) return backendKernel(tf.Minimum).kernelFunc(args);
    const [big, scalar] = pair;
    const wasm = args.backend as BackendWasm;
    const out = wasm.makeOutput(big.shape, 'float32');
    kernels.minScalar(
      heapOffset(wasm, big),
      heapOffset(wasm, scalar),
      heapOffset(wasm, out),
      tf.util.sizeFromShape(big.shape),
    );
    return out;
  },
};

/** dy * (x < s) (strict) or dy * (x <= s) in one pass; only called where our SIMD kernels run. */
export const minGradWasm: tf.KernelConfig = {
  kernelName: MIN_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, s, dy } = inputs as { x: tf.TensorInfo; s: tf.TensorInfo; dy: tf.TensorInfo };
    const wasm = backend as BackendWasm;
    const kernels = simdKernelsOf(backend);
    if (kernels === undefined) throw new Error(`${MIN_GRAD} needs the SIMD kernels`);
    const out = wasm.makeOutput(x.shape, 'float32');
    kernels.minGrad(
      heapOffset(wasm, x),
      heapOffset(wasm, s),
      heapOffset(wasm, dy),
      heapOffset(wasm, out),
      (attrs as { strict: boolean }).strict ? 1 : 0,
      tf.util.sizeFromShape(x.shape),
    );
    return out;
  },
};

/**
 * Minimum's gradient as TF.js defines it (a: dy * (a <= b), b: dy * (a > b)), except that on wasm with our
 * kernels the side that is not a scalar takes one pass of ours instead of LessEqual or Greater, Cast and
 * Multiply. The scalar's own gradient (never needed for ReLU6's constant) keeps TF.js's expression.
 */
export const minimumGradient: tf.GradConfig = {
  kernelName: tf.Minimum,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const grad = dy as tf.Tensor;
    const ours = simdKernelsActive() && grad.dtype === 'float32' ? scalarPair(a, b) : undefined;
    const fused = (x: tf.Tensor, s: tf.Tensor, strict: boolean) => () =>
      tf.engine().runKernel(MIN_GRAD, { x, s, dy: grad }, { strict }) as tf.Tensor;
    const derA =
      ours !== undefined && !ours[2] && grad.size === a.size
        ? fused(a, b, false)
        : () => tf.mul(grad, tf.cast(tf.lessEqual(a, b), 'float32'));
    const derB =
      ours !== undefined && ours[2] && grad.size === b.size
        ? fused(b, a, true)
        : () => tf.mul(grad, tf.cast(tf.greater(a, b), 'float32'));
    return { a: derA, b: derB };
  },
};
