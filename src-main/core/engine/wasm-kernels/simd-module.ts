import v8 from 'node:v8';
import wabt from 'wabt';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { simdKernelsWat } from './simd-wat.js';

/**
 * Where a convolution's output positions read the zero-padded input, in elements (see simd-wat.ts): output
 * position (oh, ow) of sample b reads `segments` runs of `segmentLength` floats, `rowStride` apart, from
 * b * sampleStride + oh * rowStride + ow * inChannels.
 */
export type ConvRows = [
  batch: number,
  outHeight: number,
  outWidth: number,
  inChannels: number,
  segmentLength: number,
  segments: number,
  rowStride: number,
  sampleStride: number,
  outChannels: number,
];

/** A convolution by rows of Winograd tiles (winograd-rows-wat.ts): input, padding, output and filter height. */
export type RowsGeometry = [
  batch: number,
  inHeight: number,
  inWidth: number,
  top: number,
  left: number,
  outHeight: number,
  outWidth: number,
  filterHeight: number,
  inChannels: number,
  outChannels: number,
];

/** Where a convolution's taps land in its input, for the kernels that scatter into an input gradient. */
export type ScatterGeometry = [
  batch: number,
  inHeight: number,
  inWidth: number,
  channels: number,
  outHeight: number,
  outWidth: number,
  filterHeight: number,
  filterWidth: number,
  strideHeight: number,
  strideWidth: number,
  dilationHeight: number,
  dilationWidth: number,
  top: number,
  left: number,
];

/** Our SIMD kernels bound to one wasm backend's heap; every pointer is a byte offset in that heap. */
export interface SimdKernels {
  /** Whether the build uses fused multiply-add (relaxed SIMD). */
  readonly fma: boolean;
  conv(
    x: number,
    filter: number,
    bias: number,
    hasBias: number,
    relu: number,
    y: number,
    ...rows: ConvRows
  ): void;
  filterGrad(x: number, dy: number, dw: number, ...rows: ConvRows): void;
  maxPoolGrad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    inChannels: number,
    outHeight: number,
    outWidth: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  padSpatial(
    x: number,
    y: number,
    batch: number,
    height: number,
    width: number,
    channels: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
  ): void;
  biasAdd(x: number, bias: number, y: number, rows: number, channels: number): void;
  columnSum(x: number, y: number, rows: number, channels: number): void;
  reluGrad(x: number, dy: number, out: number, count: number): void;
  minScalar(x: number, scalar: number, out: number, count: number): void;
  minGrad(x: number, scalar: number, dy: number, out: number, strict: number, count: number): void;
  /** dx of a depthwise convolution with multiplier 1 from dy and the filter [fh, fw, C] (depthwise-wat.ts). */
  depthwiseInputGrad(dy: number, filter: number, dx: number, ...geometry: ScatterGeometry): void;
  /** Scatter-adds per-tap columns [positions, fh, fw, C] into dx [batch, inHeight, inWidth, C] (col2im-wat.ts). */
  col2im(cols: number, dx: number, ...geometry: ScatterGeometry): void;
  /** dW [fh, fw, C] of a depthwise convolution with multiplier 1 from x padded for every tap (depthwise-wat.ts). */
  depthwiseFilterGrad(
    xPadded: number,
    dy: number,
    dw: number,
    batch: number,
    outHeight: number,
    outWidth: number,
    channels: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    dilationHeight: number,
    dilationWidth: number,
    paddedHeight: number,
    paddedWidth: number,
  ): void;
  /**
   * Whether 1-D convolutions of width 5 go through Winograd's F(6, 5), and convolutions 3 wide through F(4, 3)
   * along their rows (ATTEST_WASM_WINOGRAD=0: neither).
   */
  readonly winograd: boolean;
  winogradFilter(filter: number, u: number, inChannels: number, outChannels: number): void;
  /** U for the input gradient from the forward filter [1, 5, C, O]: flipped, C and O swapped; U [8, O, C]. */
  winogradFilterFlipped(filter: number, u: number, inChannels: number, outChannels: number): void;
  winogradConv(
    x: number,
    u: number,
    bias: number,
    hasBias: number,
    relu: number,
    y: number,
    batch: number,
    inWidth: number,
    left: number,
    outWidth: number,
    inChannels: number,
    outChannels: number,
    v: number,
    m: number,
  ): void;
  winogradFilterGrad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inWidth: number,
    left: number,
    outWidth: number,
    inChannels: number,
    outChannels: number,
    v: number,
    d: number,
    p: number,
  ): void;
  /** U [6 points, filterHeight, C, O] from a [filterHeight, 3, C, O] filter (see winograd-rows-wat.ts). */
  winogradRowsFilter(
    filter: number,
    u: number,
    filterHeight: number,
    inChannels: number,
    outChannels: number,
  ): void;
  winogradRowsConv(
    x: number,
    u: number,
    bias: number,
    hasBias: number,
    relu: number,
    y: number,
    ...rest: [...RowsGeometry, v: number, m: number]
  ): void;
  winogradRowsFilterGrad(
    x: number,
    dy: number,
    dw: number,
    ...rest: [...RowsGeometry, v: number, d: number, p: number]
  ): void;
}

/**
 * `ATTEST_WASM_KERNELS`: unset or `auto` uses our kernels with fused multiply-add where the runtime has relaxed
 * SIMD; `nofma` forces the separate multiply and add; `off` leaves the backend's own kernels (for comparison).
 */
export type SimdMode = 'auto' | 'nofma' | 'off';

export function simdMode(): SimdMode {
  const value = process.env['ATTEST_WASM_KERNELS']?.trim() ?? '';
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'nofma' || value === 'off') return value;
  throw new Error(`ATTEST_WASM_KERNELS must be auto, nofma or off (or unset), got "${value}"`);
}

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();
const bound = new WeakMap<object, SimdKernels>();

async function assemble(fma: boolean): Promise<Uint8Array<ArrayBuffer>> {
  const assembler = await wabt();
  const features = { simd: true, bulk_memory: true, relaxed_simd: true } as Parameters<
    typeof assembler.parseWat
  >[2];
  const parsed = assembler.parseWat('simd-kernels.wat', simdKernelsWat({ fma }), features);
  try {
    parsed.validate();
    // Copied out of the assembler's heap, which the next parse reuses.
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/**
 * Relaxed SIMD ships in V8 from 11.4 (Electron, Chromium, Node 22); Node 20's V8 has it behind a flag, which
 * only affects modules compiled after it is set. Without it the kernels run with a separate multiply and add.
 */
function relaxedSimdValid(bytes: Uint8Array<ArrayBuffer>): boolean {
  if (WebAssembly.validate(bytes)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/** The module with fused multiply-add, or undefined where the runtime lacks relaxed SIMD. */
async function compile(fma: boolean): Promise<WebAssembly.Module | undefined> {
  let module = compiled.get(fma);
  if (module === undefined) {
    module = assemble(fma).then((bytes) => {
      if (fma && !relaxedSimdValid(bytes)) throw new Error('no relaxed SIMD');
      return new WebAssembly.Module(bytes);
    });
    compiled.set(fma, module);
  }
  return module.catch(() => undefined);
}

function heapOf(backend: BackendWasm): WebAssembly.Memory {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('the wasm backend does not expose its memory');
  return memory;
}

/**
 * Builds the kernels for `backend` (once per process; an instance per heap). Returns undefined when they are
 * switched off. Must run before the first kernel that uses them: the kernels themselves are synchronous.
 */
export async function prepareSimdKernels(backend: BackendWasm): Promise<SimdKernels | undefined> {
  const mode = simdMode();
  if (mode === 'off') return undefined;
  const existing = bound.get(backend);
  if (existing !== undefined) return existing;
  const kernels =
    (mode === 'auto' ? await instantiateSimdKernels(backend, true) : undefined) ??
    (await instantiateSimdKernels(backend, false));
  if (kernels === undefined) throw new Error('the SIMD kernels did not build');
  bound.set(backend, kernels);
  return kernels;
}

/** A fresh instance of one build on `backend`'s heap (undefined: no relaxed SIMD here), not made current. */
export async function instantiateSimdKernels(
  backend: BackendWasm,
  fma: boolean,
): Promise<SimdKernels | undefined> {
  const module = await compile(fma);
  if (module === undefined) return undefined;
  const instance = new WebAssembly.Instance(module, { env: { memory: heapOf(backend) } });
  const exports = instance.exports as Record<string, (...args: number[]) => void>;
  return {
    fma,
    conv: exports['conv'] as SimdKernels['conv'],
    filterGrad: exports['filter_grad'] as SimdKernels['filterGrad'],
    maxPoolGrad: exports['max_pool_grad'] as SimdKernels['maxPoolGrad'],
    padSpatial: exports['pad_spatial'] as SimdKernels['padSpatial'],
    biasAdd: exports['bias_add'] as SimdKernels['biasAdd'],
    columnSum: exports['column_sum'] as SimdKernels['columnSum'],
    reluGrad: exports['relu_grad'] as SimdKernels['reluGrad'],
    minScalar: exports['min_scalar'] as SimdKernels['minScalar'],
    minGrad: exports['min_grad'] as SimdKernels['minGrad'],
    col2im: exports['col2im'] as SimdKernels['col2im'],
    depthwiseInputGrad: exports['depthwise_input_grad'] as SimdKernels['depthwiseInputGrad'],
    depthwiseFilterGrad: exports['depthwise_filter_grad'] as SimdKernels['depthwiseFilterGrad'],
    winograd: process.env['ATTEST_WASM_WINOGRAD']?.trim() !== '0',
    winogradFilter: exports['winograd_filter'] as SimdKernels['winogradFilter'],
    winogradFilterFlipped: exports['winograd_filter_flipped'] as SimdKernels['winogradFilterFlipped'],
    winogradConv: exports['winograd_conv'] as SimdKernels['winogradConv'],
    winogradFilterGrad: exports['winograd_filter_grad'] as SimdKernels['winogradFilterGrad'],
    winogradRowsFilter: exports['winograd_rows_filter'] as SimdKernels['winogradRowsFilter'],
    winogradRowsConv: exports['winograd_rows_conv'] as SimdKernels['winogradRowsConv'],
    winogradRowsFilterGrad: exports['winograd_rows_filter_grad'] as SimdKernels['winogradRowsFilterGrad'],
  };
}

/** The kernels prepared for `backend`, if any. */
export function simdKernelsOf(backend: object): SimdKernels | undefined {
  return bound.get(backend);
}

/** Whether the engine's current backend is wasm with our kernels (ops that choose between paths ask this). */
export function simdKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && simdKernelsOf(tf.backend()) !== undefined;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, tensor: { dataId: object }): number {
  return backend.dataIdMap.get(tensor.dataId)!.memoryOffset;
}
