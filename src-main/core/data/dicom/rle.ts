import { badInput } from '../../errors.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header with up to 15 segment offsets, each segment one byte
 * plane (most significant byte first for each sample) coded with PackBits. Returns the frame in native layout:
 * interleaved samples (planar configuration 0), little-endian words.
 */
export function decodeRleFrame(
  encoded: Uint8Array,
  o: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number },
  file: string,
): Uint8Array {
  if (encoded.length < 64) throw badInput('RLE frame is shorter than its 64-byte header', file);
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = o.bitsAllocated / 8;
  const expected = bytesPerSample * o.samplesPerPixel;
  if (segments !== expected)
    throw badInput(
      `RLE frame has ${segments} segments; ${o.samplesPerPixel} samples of ${o.bitsAllocated} bits need ${expected}`,
      file,
    );
  const pixels = o.rows * o.columns;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : encoded.length;
    if (start < 64 || start > end || end > encoded.length)
      throw badInput(`RLE segment ${s + 1} offsets ${start}..${end} fall outside the frame`, file);
    const sample = Math.floor(s / bytesPerSample);
    // Segment order is most significant byte first; native layout is little-endian.
    const byteInWord = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = expected;
    let target = sample * bytesPerSample + byteInWord;
    let written = 0;
    let p = start;
    while (p < end && written < pixels) {
      const n = encoded[p++] as number;
      if (n < 128) {
        for (let k = 0; k <= n && p < end && written < pixels; k++, written++) {
          out[target] = encoded[p++] as number;
          target += stride;
        }
      } else if (n > 128) {
        const value = encoded[p++] as number;
        for (let k = 0; k < 257 - n && written < pixels; k++, written++) {
          out[target] = value;
          target += stride;
        }
      }
    }
    if (written < pixels)
      throw badInput(`RLE segment ${s + 1} decodes to ${written} of ${pixels} pixels`, file);
  }
  return out;
}
