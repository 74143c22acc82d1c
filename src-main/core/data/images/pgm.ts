import { badInput } from '../../errors.js';
import type { DecodedImage } from './decoded-image.js';

/**
 * Netpbm greymaps and pixmaps (P2, P5, P3, P6), 8 or 16 bits (maxval up to 65535, 16-bit samples big-endian).
 * Comments (#) may appear anywhere in the header.
 */
export function parsePgm(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length < 2 || bytes[0] !== 0x50) throw badInput('not a Netpbm image (no "P" magic)', file);
  const kind = String.fromCharCode(bytes[1] as number);
  if (!'2356'.includes(kind)) throw badInput(`Netpbm type P${kind} is not a grey or colour map`, file);
  const channels = kind === '2' || kind === '5' ? 1 : 3;
  let p = 2;
  const token = (): number => {
    for (;;) {
      while (p < bytes.length && /\s/.test(String.fromCharCode(bytes[p] as number))) p++;
      if (bytes[p] === 0x23) while (p < bytes.length && bytes[p] !== 0x0a) p++;
      else break;
    }
    const start = p;
    while (p < bytes.length && /[0-9]/.test(String.fromCharCode(bytes[p] as number))) p++;
    if (start === p) throw badInput('Netpbm header is truncated or not numeric', file);
    return Number(String.fromCharCode(...bytes.subarray(start, p)));
  };
  const width = token();
  const height = token();
  const maxval = token();
  if (width < 1 || height < 1 || width * height > 1e8) throw badInput(`image is ${width} x ${height}`, file);
  if (maxval < 1 || maxval > 65535) throw badInput(`maxval ${maxval} is outside 1..65535`, file);
  const count = width * height * channels;
  const data = new Float32Array(count);
  if (kind === '5' || kind === '6') {
    p++; // exactly one whitespace byte after maxval
    const size = maxval > 255 ? 2 : 1;
    if (bytes.length - p < count * size)
      throw badInput(
        `pixel data holds ${bytes.length - p} bytes, ${width} x ${height} x ${channels} needs ${count * size}`,
        file,
      );
    for (let i = 0; i < count; i++) {
      const v =
        size === 2
          ? ((bytes[p + 2 * i] as number) << 8) | (bytes[p + 2 * i + 1] as number)
          : (bytes[p + i] as number);
      if (v > maxval) throw badInput(`sample ${i} is ${v}, above maxval ${maxval}`, file);
      data[i] = v / maxval;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const v = token();
      if (v > maxval) throw badInput(`sample ${i} is ${v}, above maxval ${maxval}`, file);
      data[i] = v / maxval;
    }
  }
  return { width, height, channels, data, bitDepth: maxval > 255 ? 16 : 8 };
}
