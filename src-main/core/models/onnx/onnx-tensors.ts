import { DataType, type TensorProto } from './onnx-proto.js';

/** A constant of the graph (initializer, Constant node, folded shape arithmetic), in ONNX's axis order. */
export interface ConstTensor {
  dims: number[];
  /** Every element as a double: float32 weights convert exactly, int64 shapes fit while below 2^53. */
  data: Float64Array;
}

/** Stands for the batch dimension in shapes computed from a tensor (Shape -> Gather -> Concat -> Reshape). */
export const BATCH_DIM = -987_654_321;

export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Reads a TensorProto's values, from raw_data (little-endian, what PyTorch writes) or from the typed fields.
 * Returns a reason instead of a tensor for data types and locations Attest does not read.
 */
export function readTensorProto(tensor: TensorProto): ConstTensor | string {
  const dims = tensor.dims ?? [];
  const count = sizeOf(dims);
  const type = tensor.dataType ?? 0;
  if (tensor.dataLocation === 1) return `tensor "${tensor.name ?? ''}" has its data in an external file`;
  const data = new Float64Array(count);
  const raw = tensor.rawData;
  if (raw !== undefined && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const width = {
      [DataType.FLOAT]: 4,
      [DataType.DOUBLE]: 8,
      [DataType.INT32]: 4,
      [DataType.INT64]: 8,
      [DataType.INT8]: 1,
      [DataType.UINT8]: 1,
      [DataType.BOOL]: 1,
    }[type];
    if (width === undefined)
      return `tensor "${tensor.name ?? ''}" has data type ${type}, which Attest does not read`;
    if (raw.length !== count * width)
      return `tensor "${tensor.name ?? ''}" has ${raw.length} bytes of data for ${count} values (truncated?)`;
    for (let i = 0; i < count; i++) {
      const at = i * width;
      switch (type) {
        case DataType.FLOAT:
          data[i] = view.getFloat32(at, true);
          break;
        case DataType.DOUBLE:
          data[i] = view.getFloat64(at, true);
          break;
        case DataType.INT32:
          data[i] = view.getInt32(at, true);
          break;
        case DataType.INT64:
          data[i] = Number(view.getBigInt64(at, true));
          break;
        case DataType.INT8:
          data[i] = view.getInt8(at);
          break;
        default:
          data[i] = view.getUint8(at);
      }
    }
    return { dims, data };
  }
  const typed =
    type === DataType.FLOAT
      ? tensor.floatData
      : type === DataType.DOUBLE
        ? tensor.doubleData
        : type === DataType.INT64
          ? tensor.int64Data
          : type === DataType.INT32 ||
              type === DataType.INT8 ||
              type === DataType.UINT8 ||
              type === DataType.BOOL
            ? tensor.int32Data
            : undefined;
  if (typed === undefined && count > 0)
    return `tensor "${tensor.name ?? ''}" has data type ${type} or no data, which Attest does not read`;
  const values = typed ?? [];
  if (values.length !== count)
    return `tensor "${tensor.name ?? ''}" has ${values.length} values for dims [${dims.join(', ')}]`;
  values.forEach((v, i) => (data[i] = Number(v)));
  return { dims, data };
}

/** out[i0, i1, ...] = in[...] with out's axis k being in's axis perm[k] (numpy's transpose). */
export function transposeData(
  data: Float64Array,
  dims: readonly number[],
  perm: readonly number[],
): Float64Array {
  const rank = dims.length;
  const outDims = perm.map((p) => dims[p] ?? 1);
  const inStrides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) inStrides[k] = (inStrides[k + 1] ?? 1) * (dims[k + 1] ?? 1);
  const strides = perm.map((p) => inStrides[p] ?? 0);
  const out = new Float64Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let at = 0;
    for (let k = 0; k < rank; k++) at += (index[k] ?? 0) * (strides[k] ?? 0);
    out[o] = data[at] ?? 0;
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = (index[k] ?? 0) + 1;
      if ((index[k] ?? 0) < (outDims[k] ?? 1)) break;
      index[k] = 0;
    }
  }
  return out;
}

export function toFloat32(data: Float64Array): Float32Array {
  return Float32Array.from(data);
}
