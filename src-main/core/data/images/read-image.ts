import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import sharp from 'sharp';
import { badInput } from '../../errors.js';
import { MAX_IMAGE_PIXELS } from '../import-limits.js';
import type { DecodedImage } from './decoded-image.js';
import { parsePgm } from './pgm.js';
import { parseBmp } from './bmp.js';
import { looksLikeDicom, readDicomImage } from '../dicom/read-dicom.js';
import type { DicomDescription, DicomIdentifiers } from '../dicom/dicom-file.js';

/** Extensions the image importers pick up when walking a folder. */
export const IMAGE_EXTENSIONS = [
  '.png',
  '.jpg',
  '.jpeg',
  '.tif',
  '.tiff',
  '.pgm',
  '.pnm',
  '.ppm',
  '.bmp',
  '.dcm',
  '.dicom',
];

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

export interface ReadImage {
  image: DecodedImage;
  bytes: Uint8Array;
  format: string;
  /** DICOM only: what the header says about the image and whom it is of. */
  dicom?: { description: DicomDescription; identifiers: DicomIdentifiers; steps: unknown };
}

/** Decodes with sharp to raw samples, keeping greyscale as one channel and 16-bit as 16-bit. */
async function decodeWithSharp(
  bytes: Uint8Array,
  file: string,
): Promise<{ image: DecodedImage; format: string }> {
  let metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw badInput(`not a readable image (${error instanceof Error ? error.message : String(error)})`, file);
  }
  // The header's size is checked before decoding: a 250 KB PNG may declare 16000 x 16000 pixels (gigabytes).
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > MAX_IMAGE_PIXELS)
    throw badInput(
      `declares ${metadata.width} x ${metadata.height} pixels (${(pixels / 1e6).toFixed(0)} megapixels), above the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
      file,
    );
  const sixteen = metadata.depth === 'ushort' || metadata.depth === 'short';
  const grey = (metadata.channels ?? 3) - (metadata.hasAlpha === true ? 1 : 0) === 1;
  const space = grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
  let raw;
  try {
    raw = await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS })
      .removeAlpha()
      .toColourspace(space)
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw badInput(
      `image data does not decode (${error instanceof Error ? error.message : String(error)})`,
      file,
    );
  }
  const { width, height, channels } = raw.info;
  if (channels !== 1 && channels !== 3) throw badInput(`image decodes to ${channels} channels`, file);
  const count = width * height * channels;
  const data = new Float32Array(count);
  if (sixteen) {
    const words = new Uint16Array(raw.data.buffer, raw.data.byteOffset, count);
    for (let i = 0; i < count; i++) data[i] = (words[i] as number) / 65535;
  } else {
    for (let i = 0; i < count; i++) data[i] = (raw.data[i] as number) / 255;
  }
  return {
    image: { width, height, channels, data, bitDepth: sixteen ? 16 : 8 },
    format: metadata.format ?? 'unknown',
  };
}

/** Reads any supported image file: PNG, JPEG, TIFF (sharp), PGM/PPM and BMP (own parsers), DICOM. */
export async function readImageFile(
  path: string,
  options: { window?: { center: number; width: number } } = {},
): Promise<ReadImage> {
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw badInput('not a regular file', path);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof Error && error.name === 'AttestError') throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw badInput(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`, path);
  }
  return decodeImageBytes(bytes, path, options);
}

/**
 * Decodes the bytes of an image file that arrived without a path (an upload in browser mode): `name` is what
 * messages call it. The same formats and limits as readImageFile.
 */
export async function decodeImageBytes(
  bytes: Uint8Array,
  name: string,
  options: { window?: { center: number; width: number } } = {},
): Promise<ReadImage> {
  const path = name;
  if (bytes.length === 0) throw badInput('file is empty (0 bytes)', path);
  if (looksLikeDicom(bytes)) {
    const { dicom, image } = await readDicomImage(path, {
      bytes,
      ...(options.window !== undefined ? { window: options.window } : {}),
    });
    return {
      image: {
        width: image.width,
        height: image.height,
        channels: image.channels,
        data: image.data,
        bitDepth: dicom.layout.bitsStored,
      },
      bytes,
      format: 'dicom',
      dicom: { description: dicom.description, identifiers: dicom.identifiers, steps: image.steps },
    };
  }
  if (bytes[0] === 0x50 && bytes[1] !== undefined && '2356'.includes(String.fromCharCode(bytes[1])))
    return { image: parsePgm(bytes, path), bytes, format: 'netpbm' };
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return { image: parseBmp(bytes, path), bytes, format: 'bmp' };
  const { image, format } = await decodeWithSharp(bytes, path);
  return { image, bytes, format };
}
