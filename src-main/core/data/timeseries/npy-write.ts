/**
 * A float32 NumPy .npy file (format 1.0, little-endian, C order): what `attest predict` writes so that any
 * NumPy, R or MATLAB reader loads the probabilities without knowing Attest.
 */
export function encodeNpyFloat32(values: Float32Array, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // The header (with its 10-byte prefix and closing newline) is padded with spaces to a multiple of 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new Float32Array(values.length);
  body.set(values);
  out.set(new Uint8Array(body.buffer), 10 + header.length);
  return out;
}
