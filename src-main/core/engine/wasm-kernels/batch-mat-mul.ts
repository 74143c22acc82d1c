import { tf } from '../tf.js';
import { composeKernel } from './kernel-calls.js';
import { backendKernel, setupBackendKernel } from './backend-kernels.js';

/** The permutation that swaps a tensor's last two axes. */
function swapLastTwo(rank: number): number[] {
  return [...Array.from({ length: rank - 2 }, (_, k) => k), rank - 1, rank - 2];
}

/**
 * BatchMatMul with a transposed operand: the wasm backend's own kernel is 10 to 15x slower with transposeA or
 * transposeB than without (a [8192, 64] x [64, 576] product: 274 ms against 24), and every Dense layer's
 * gradient asks for one (dW = x^T dy, dx = dy W^T). The operand is transposed first by the backend's Transpose
 * (a few percent of the product), then multiplied plainly. Untransposed products go straight to the backend.
 */
export const batchMatMulWasm: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  setupFunc: setupBackendKernel(tf.BatchMatMul),
  kernelFunc: (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const own = backendKernel(tf.BatchMatMul);
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32')
      return own.kernelFunc(args);
    return composeKernel(args.backend, (calls) =>
      calls.run(
        tf.BatchMatMul,
        {
          a: transposeA ? calls.transpose(a, swapLastTwo(a.shape.length)) : a,
          b: transposeB ? calls.transpose(b, swapLastTwo(b.shape.length)) : b,
        },
        { transposeA: false, transposeB: false },
      ),
    );
  },
};
