import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { copyTensorWasm } from './identity.js';

/**
 * Lets a kernel we add to the wasm backend be composed of the backend's own kernels (XNNPACK convolutions,
 * matrix products, copies in C), called directly rather than through the engine: no tensors, no tape, no
 * kernel-depth bookkeeping. Every intermediate is freed when the composed kernel returns or throws.
 */
export class WasmKernelCalls {
  private readonly intermediates: tf.TensorInfo[] = [];
  private readonly views: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel === undefined) throw new Error(`wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend: this.backend,
    });
    if (Array.isArray(out)) throw new Error(`${kernelName} returned several outputs where one was expected`);
    this.intermediates.push(out);
    return out;
  }

  /** A new float32 tensor for a kernel of ours to fill, freed with the rest unless it is the result. */
  output(shape: number[]): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.intermediates.push(out);
    return out;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Zero padding; `paddings` has one [before, after] pair per axis. */
  pad(x: tf.TensorInfo, paddings: [number, number][]): tf.TensorInfo {
    if (paddings.every(([before, after]) => before === 0 && after === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  stridedSlice(x: tf.TensorInfo, begin: number[], end: number[], strides: number[]): tf.TensorInfo {
    return this.run(
      'StridedSlice',
      { x },
      { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 },
    );
  }

  concat(tensors: tf.TensorInfo[], axis: number): tf.TensorInfo {
    if (tensors.length === 1 && tensors[0] !== undefined) return tensors[0];
    // Concat is the one kernel whose inputs are a list rather than named.
    return this.run('Concat', tensors as unknown as Record<string, tf.TensorInfo>, { axis });
  }

  /**
   * A float32 tensor of `shape` that aliases x's memory from element `offset` on: a slice along the first axis
   * of a contiguous tensor without copying it (the backend's Slice first copies its whole input out of the
   * heap). Read-only, and valid only within this kernel call; it is unregistered, never freed, at the end.
   */
  view(x: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
    const size = tf.util.sizeFromShape(shape);
    if (x.dtype !== 'float32' || offset < 0 || offset + size > tf.util.sizeFromShape(x.shape)) {
      throw new Error(`view [${shape.join(', ')}] at ${offset} does not fit in [${x.shape.join(', ')}]`);
    }
    const base = this.backend.dataIdMap.get(x.dataId)!.memoryOffset;
    const view = this.backend.makeOutput(shape, 'float32', base + offset * 4);
    this.views.push(view);
    return view;
  }

  /** Hands `result` to the engine and frees everything else this call made. */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    // An input passed through unchanged, or a view, is not ours to hand over: the output must own its data.
    if (!this.intermediates.includes(result)) {
      result = copyTensorWasm(this.backend, result);
      this.intermediates.push(result);
    }
    for (const t of this.intermediates) if (t !== result) this.backend.disposeData(t.dataId);
    this.intermediates.length = 0;
    this.releaseViews();
    return result;
  }

  /** Frees every intermediate after a failure. */
  abandon(): void {
    for (const t of this.intermediates) this.backend.disposeData(t.dataId);
    this.intermediates.length = 0;
    this.releaseViews();
  }

  private releaseViews(): void {
    for (const view of this.views) {
      if (!this.backend.dataIdMap.has(view.dataId)) continue;
      const data = this.backend.dataIdMap.get(view.dataId)!;
      // What disposeData does, minus freeing memory that belongs to the viewed tensor: the C++ side drops the
      // id (and any operator it cached for it), the JS side forgets it.
      this.backend.wasm.tfjs.disposeData(data.id);
      this.backend.dataIdMap.delete(view.dataId);
    }
    this.views.length = 0;
  }
}

/** Runs a composed kernel body with a fresh call scope that never leaks, whatever happens. */
export function composeKernel(
  backend: object,
  body: (calls: WasmKernelCalls) => tf.TensorInfo,
): tf.TensorInfo {
  const calls = new WasmKernelCalls(backend as unknown as BackendWasm);
  try {
    return calls.finish(body(calls));
  } catch (error) {
    calls.abandon();
    throw error;
  }
}
