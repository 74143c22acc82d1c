import { badInput } from '../../errors.js';

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Element readers by NumPy dtype descriptor (little-endian and byte-sized types). */
const READERS: Record<string, { size: number; read: (view: DataView, offset: number) => number }> = {
  '<f4': { size: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { size: 8, read: (v, o) => v.getFloat64(o, true) },
  '|i1': { size: 1, read: (v, o) => v.getInt8(o) },
  '|u1': { size: 1, read: (v, o) => v.getUint8(o) },
  '<i2': { size: 2, read: (v, o) => v.getInt16(o, true) },
  '<u2': { size: 2, read: (v, o) => v.getUint16(o, true) },
  '<i4': { size: 4, read: (v, o) => v.getInt32(o, true) },
  '<u4': { size: 4, read: (v, o) => v.getUint32(o, true) },
  '<i8': { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  '<u8': { size: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  '|b1': { size: 1, read: (v, o) => v.getUint8(o) },
};

/** Parses a NumPy .npy file (format versions 1 to 3, C order, numeric dtypes) into float64 values. */
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
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw badInput(`malformed shape (${shapeText})`, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * reader.size;
  if (bytes.length < expected)
    throw badInput(
      `truncated: shape (${shape.join(', ')}) needs ${count * reader.size} data bytes, the file holds ${bytes.length - dataStart}`,
      file,
    );
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = reader.read(view, dataStart + i * reader.size);
  return { dtype: descr, shape, data };
}
