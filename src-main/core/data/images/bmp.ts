import { badInput } from '../../errors.js';
import type { DecodedImage } from './decoded-image.js';

/**
 * Windows bitmaps, which sharp does not read: uncompressed 8-bit palette, 24-bit and 32-bit (BI_RGB or
 * BI_BITFIELDS with the usual masks), bottom-up or top-down (negative height).
 */
export function parseBmp(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d)
    throw badInput('not a BMP file (no "BM")', file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width < 1 || height < 1 || width * height > 1e8) throw badInput(`BMP is ${width} x ${height}`, file);
  if (![8, 24, 32].includes(bits))
    throw badInput(`BMP with ${bits} bits per pixel is not supported (8, 24, 32)`, file);
  if (compression !== 0 && !(compression === 3 && bits === 32))
    throw badInput(`compressed BMP (compression ${compression}) is not supported`, file);
  const rowBytes = Math.ceil((width * bits) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length)
    throw badInput(
      `BMP is truncated: ${width} x ${height} at ${bits} bits needs ${dataOffset + rowBytes * height} bytes, the file has ${bytes.length}`,
      file,
    );
  const palette = 14 + headerSize;
  const data = new Float32Array(width * height * 3);
  let grey = true;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      let b: number;
      let g: number;
      let r: number;
      if (bits === 8) {
        const index = bytes[row + x] as number;
        [b, g, r] = [
          bytes[palette + 4 * index] ?? 0,
          bytes[palette + 4 * index + 1] ?? 0,
          bytes[palette + 4 * index + 2] ?? 0,
        ];
      } else {
        const at = row + x * (bits / 8);
        [b, g, r] = [bytes[at] as number, bytes[at + 1] as number, bytes[at + 2] as number];
      }
      if (r !== g || g !== b) grey = false;
      const o = (y * width + x) * 3;
      data[o] = r / 255;
      data[o + 1] = g / 255;
      data[o + 2] = b / 255;
    }
  }
  if (grey) {
    const mono = new Float32Array(width * height);
    for (let i = 0; i < mono.length; i++) mono[i] = data[i * 3] as number;
    return { width, height, channels: 1, data: mono, bitDepth: 8 };
  }
  return { width, height, channels: 3, data, bitDepth: 8 };
}
