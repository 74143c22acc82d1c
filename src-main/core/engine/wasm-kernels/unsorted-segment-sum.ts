import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/**
 * UnsortedSegmentSum, the gradient of gather (so of Embedding layers), which the wasm backend lacks: rows of
 * x are added into out[segmentIds[k]]. One pass over the wasm heap; ids outside [0, numSegments) are dropped,
 * as TensorFlow does.
 */
export const unsortedSegmentSumWasm: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const wasm = backend as BackendWasm;
    const idsRank = segmentIds.shape.length;
    const rowShape = x.shape.slice(idsRank);
    const rowSize = tf.util.sizeFromShape(rowShape);
    const out = wasm.makeOutput([numSegments, ...rowShape], x.dtype);
    // Views are taken after the allocation above, which may have grown (and so detached) the heap.
    const values = wasm.typedArrayFromHeap(x);
    const ids = wasm.typedArrayFromHeap(segmentIds);
    const sums = wasm.typedArrayFromHeap(out);
    sums.fill(0);
    for (let k = 0; k < ids.length; k++) {
      const segment = ids[k] as number;
      if (segment < 0 || segment >= numSegments) continue;
      const from = k * rowSize;
      const to = segment * rowSize;
      for (let t = 0; t < rowSize; t++)
        sums[to + t] = (sums[to + t] as number) + (values[from + t] as number);
    }
    return out;
  },
};
