import { badInput } from '../../errors.js';
import { firstNonFinite } from './non-finite.js';

/** Element values as read: the file's own type where the host can hold it (an 8-bit image stays 1 byte each). */
export type NpyValues =
  Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: NpyValues;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = {
  size: number;
  /** Copies `count` little-endian elements into a typed array of the matching kind. */
  read: (bytes: Uint8Array, count: number) => NpyValues;
};

/** A fresh (aligned) copy of the data bytes viewed as `Type`: every supported host is little-endian. */
function native<T extends NpyValues>(Type: {
  new (buffer: ArrayBuffer): T;
  BYTES_PER_ELEMENT: number;
}): Reader {
  return {
    size: Type.BYTES_PER_ELEMENT,
    // new Uint8Array(view) copies (Buffer's slice would share, and misalign, Node's pool).
    read: (bytes, count) =>
      new Type(new Uint8Array(bytes.subarray(0, count * Type.BYTES_PER_ELEMENT)).buffer),
  };
}

/** 64-bit integers become doubles (exact up to 2^53, far beyond any label or sample value). */
function wide(signed: boolean): Reader {
  return {
    size: 8,
    read: (bytes, count) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, count * 8);
      return Float64Array.from({ length: count }, (_, i) =>
        Number(signed ? view.getBigInt64(i * 8, true) : view.getBigUint64(i * 8, true)),
      );
    },
  };
}

/** Element readers by NumPy dtype descriptor (little-endian and byte-sized types). */
const READERS: Record<string, Reader> = {
  '<f4': native(Float32Array),
  '<f8': native(Float64Array),
  '|i1': native(Int8Array),
  '|u1': native(Uint8Array),
  '<i2': native(Int16Array),
  '<u2': native(Uint16Array),
  '<i4': native(Int32Array),
  '<u4': native(Uint32Array),
  '<i8': wide(true),
  '<u8': wide(false),
  '|b1': native(Uint8Array),
};

/** Where element `index` sits, in words a reader of the array's shape follows ("row 3, column 17"). */
export function describeNpyPosition(shape: number[], index: number): string {
  if (shape.length <= 1) return `row ${index + 1}`;
  if (shape.length === 2) {
    const columns = shape[1] as number;
    return `row ${Math.floor(index / columns) + 1}, column ${(index % columns) + 1}`;
  }
  const at: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] as number;
    at.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return `item ${(at[0] as number) + 1}, at [${at.slice(1).join(', ')}] within it (counting from 0)`;
}

/**
 * Parses a NumPy .npy file (format versions 1 to 3, C order, numeric dtypes). NaN and infinite values are
 * refused, naming the first one's row and column: stored, they would become zeros or a class "Infinity".
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw badInput('not a NumPy .npy file (no \\x93NUMPY magic)', file);
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw badInput(`unsupported .npy format version ${major}`, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw badInput('the .npy header runs past the end of the file', file);
  const header = Buffer.from(bytes.subarray(headerStart, dataStart)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw badInput(`malformed .npy header: ${header.trim().slice(0, 80)}`, file);
  if (fortran === 'True') throw badInput('Fortran-ordered arrays are not supported; save with C order', file);
  const reader = READERS[descr === '<b1' ? '|b1' : descr];
  if (reader === undefined)
    throw badInput(`unsupported dtype "${descr}" (numeric little-endian types only)`, file);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw badInput(`malformed shape (${shapeText})`, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - dataStart;
  // Compared before multiplying out, so that an absurd shape is refused and never allocated.
  if (!Number.isSafeInteger(count) || count > available / reader.size)
    throw badInput(
      `truncated: shape (${shape.join(', ')}) needs ${count * reader.size} data bytes, the file holds ${available}`,
      file,
    );
  const data = reader.read(bytes.subarray(dataStart), count);
  if (descr.includes('f')) {
    const bad = firstNonFinite(data);
    if (bad !== undefined)
      throw badInput(
        `${describeNpyPosition(shape, bad)} holds ${String(data[bad])}: NaN and infinite values are refused (fill or drop them before importing)`,
        file,
      );
  }
  return { dtype: descr, shape, data };
}
