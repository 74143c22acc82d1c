import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { heapOffset, simdKernelsOf } from './simd-module.js';

/**
 * Gradient of MaxPool: each output's gradient goes to the first largest input of its window (as on the cpu
 * backend). The wasm backend has this kernel but it took 18% of an ecg-resnet training step; this single pass
 * over the wasm heap, channels innermost as NHWC stores them, is ~5x faster.
 */
export const maxPoolGradWasm: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
    const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
    const wasm = backend as BackendWasm;
    const out = wasm.makeOutput(input.shape, 'float32');
    const kernels = simdKernelsOf(backend);
    if (kernels !== undefined && channels % 4 === 0) {
      // 4 channels a lane each, in place on the heap: ~10x this file's loop below.
      kernels.maxPoolGrad(
        heapOffset(wasm, input),
        heapOffset(wasm, dy),
        heapOffset(wasm, out),
        batchSize,
        inHeight,
        inWidth,
        channels,
        outHeight,
        outWidth,
        filterHeight,
        filterWidth,
        strideHeight,
        strideWidth,
        padInfo.top,
        padInfo.left,
      );
      return out;
    }
    // Views are taken after the allocation above, which may have grown (and so detached) the heap.
    const x = wasm.typedArrayFromHeap(input);
    const grads = wasm.typedArrayFromHeap(dy);
    const dx = wasm.typedArrayFromHeap(out);
    dx.fill(0);
    const best = new Float32Array(channels);
    const where = new Int32Array(channels);
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const rowStart = oh * strideHeight - padInfo.top;
        const rowFrom = Math.max(0, rowStart);
        const rowTo = Math.min(inHeight, rowStart + filterHeight);
        for (let ow = 0; ow < outWidth; ow++) {
          const colStart = ow * strideWidth - padInfo.left;
          const colFrom = Math.max(0, colStart);
          const colTo = Math.min(inWidth, colStart + filterWidth);
          best.fill(-Infinity);
          where.fill(-1);
          for (let r = rowFrom; r < rowTo; r++) {
            for (let col = colFrom; col < colTo; col++) {
              const base = ((b * inHeight + r) * inWidth + col) * channels;
              for (let c = 0; c < channels; c++) {
                const value = x[base + c] as number;
                if (value > (best[c] as number)) {
                  best[c] = value;
                  where[c] = base + c;
                }
              }
            }
          }
          const gradBase = ((b * outHeight + oh) * outWidth + ow) * channels;
          for (let c = 0; c < channels; c++) {
            const at = where[c] as number;
            if (at >= 0) dx[at] = (dx[at] as number) + (grads[gradBase + c] as number);
          }
        }
      }
    }
    return out;
  },
};
