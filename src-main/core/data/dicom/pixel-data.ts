import { createRequire } from 'node:module';
import type { DataSet } from 'dicom-parser';
import { badInput } from '../../errors.js';
import type { DicomFile, PixelLayout } from './dicom-file.js';
import { decodeRleFrame } from './rle.js';
import { decodeJpegExtended } from './jpeg-extended.js';
import { decodeWithWasm, type WasmCodecName } from './wasm-codecs.js';

const require = createRequire(import.meta.url);
const dicomParser = require('dicom-parser') as typeof import('dicom-parser');
const lossless = require('jpeg-lossless-decoder-js') as {
  Decoder: new () => {
    decode(buffer: ArrayBuffer, offset: number, length: number, bytes: number): Uint8Array | Uint16Array;
  };
};

/** One frame's stored pixel values (before any LUT), samples interleaved, with their sign and bit depth applied. */
export interface StoredFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  values: Float64Array;
}

/** The bytes of one compressed frame: fragments joined, frames split by offset table when there are several. */
function encapsulatedFrame(dicom: DicomFile, frame: number): Uint8Array {
  const { dataSet, pixelData, layout } = dicom;
  const fragments = pixelData.fragments ?? [];
  if (layout.frames === 1)
    return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelData, 0, fragments.length);
  if ((pixelData.basicOffsetTable?.length ?? 0) > 0)
    return dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, frame);
  if (fragments.length === layout.frames)
    return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelData, frame, 1);
  const table = dicomParser.createJPEGBasicOffsetTable(dataSet, pixelData);
  return dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, frame, table);
}

/** Reads stored values from native little-endian (or big-endian) bytes: mask to Bits Stored, then the sign. */
function valuesFromBytes(
  bytes: Uint8Array,
  layout: PixelLayout,
  bitsAllocated: number,
  bigEndian: boolean,
  signedOverride: boolean | undefined,
): Float64Array {
  const count = layout.rows * layout.columns * layout.samplesPerPixel;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  const stored = Math.min(layout.bitsStored, bitsAllocated);
  const shift = Math.max(0, layout.highBit + 1 - stored);
  const signed = signedOverride ?? layout.pixelRepresentation === 1;
  const mask = stored >= 32 ? 0xffffffff : 2 ** stored - 1;
  const half = 2 ** (stored - 1);
  const step = bitsAllocated / 8;
  for (let i = 0; i < count; i++) {
    let raw: number;
    if (step === 1) raw = bytes[i] as number;
    else if (step === 2) raw = view.getUint16(i * 2, !bigEndian);
    else raw = view.getUint32(i * 4, !bigEndian);
    let value = stored >= 32 ? raw >>> shift : (raw >>> shift) & mask;
    if (signed && value >= half) value -= 2 * half;
    out[i] = value;
  }
  return out;
}

/** Planar configuration 1 (RRR..GGG..BBB..) to interleaved samples. */
function interleave(values: Float64Array, pixels: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < pixels; i++)
    for (let s = 0; s < 3; s++) out[i * 3 + s] = values[s * pixels + i] as number;
  return out;
}

function jpegPrecision(bytes: Uint8Array): number | undefined {
  for (let p = 2; p + 4 < bytes.length;) {
    if (bytes[p] !== 0xff) return undefined;
    const marker = bytes[p + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return bytes[p + 4];
    p += 2 + (((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number));
  }
  return undefined;
}

async function decodeCompressed(dicom: DicomFile, encoded: Uint8Array): Promise<StoredFrame> {
  const { layout, transferSyntax, file } = dicom;
  const codec = transferSyntax.codec;
  const expectedPixels = layout.rows * layout.columns;
  const check = (width: number, height: number, components: number) => {
    if (width !== layout.columns || height !== layout.rows || components !== layout.samplesPerPixel)
      throw badInput(
        `${transferSyntax.name} pixel data decodes to ${width} x ${height} x ${components}, but the header says ${layout.columns} x ${layout.rows} x ${layout.samplesPerPixel}`,
        file,
      );
  };
  const frame = (values: Float64Array): StoredFrame => ({
    rows: layout.rows,
    columns: layout.columns,
    samplesPerPixel: layout.samplesPerPixel,
    values,
  });
  if (codec === 'rle') {
    const bytes = decodeRleFrame(encoded, layout, file);
    return frame(valuesFromBytes(bytes, layout, layout.bitsAllocated, false, undefined));
  }
  if (codec === 'jpeg-lossless') {
    const bytesPerSample = layout.bitsAllocated <= 8 ? 1 : 2;
    const copy = Uint8Array.from(encoded);
    // The decoder returns a typed array (8- or 16-bit samples); read its bytes.
    const decoded = new lossless.Decoder().decode(copy.buffer, 0, copy.length, bytesPerSample);
    const out = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
    if (out.length !== expectedPixels * layout.samplesPerPixel * bytesPerSample)
      throw badInput(
        `JPEG Lossless data decodes to ${out.length} bytes, the header's ${layout.columns} x ${layout.rows} x ${layout.samplesPerPixel} needs ${expectedPixels * layout.samplesPerPixel * bytesPerSample}`,
        file,
      );
    return frame(valuesFromBytes(out, layout, bytesPerSample * 8, false, undefined));
  }
  if (codec === 'jpeg-baseline' || codec === 'jpeg-extended') {
    const precision = jpegPrecision(encoded);
    if (precision === undefined) throw badInput(`${transferSyntax.name} frame is not a JPEG stream`, file);
    if (precision > 8) {
      const image = decodeJpegExtended(encoded, file);
      check(image.width, image.height, image.components);
      return frame(valuesFromBytes(new Uint8Array(image.samples.buffer), layout, 16, false, false));
    }
  }
  const name: WasmCodecName =
    codec === 'jpeg2000' ? 'openjpeg' : codec === 'jpeg-ls' ? 'charls' : 'libjpeg-turbo';
  let decoded;
  try {
    decoded = await decodeWithWasm(name, encoded);
  } catch (error) {
    throw badInput(
      `${transferSyntax.name} pixel data does not decode (${error instanceof Error ? error.message : String(error)})`,
      file,
    );
  }
  check(decoded.width, decoded.height, decoded.components);
  const bits = decoded.bitsPerSample > 8 ? 16 : 8;
  const signed = decoded.signed === true ? true : undefined;
  return frame(valuesFromBytes(decoded.bytes, layout, bits, false, signed));
}

/** Decodes one frame of any supported transfer syntax to its stored values. */
export async function decodeStoredFrame(dicom: DicomFile, frame = 0): Promise<StoredFrame> {
  const { layout, transferSyntax, pixelData } = dicom;
  if (!Number.isInteger(frame) || frame < 0 || frame >= layout.frames)
    throw badInput(`frame ${frame} does not exist (the file holds ${layout.frames})`, dicom.file);
  if (transferSyntax.codec !== 'native') return decodeCompressed(dicom, encapsulatedFrame(dicom, frame));
  const pixels = layout.rows * layout.columns;
  const frameBytes = pixels * layout.samplesPerPixel * (layout.bitsAllocated / 8);
  const ds: DataSet = dicom.dataSet;
  const start = pixelData.dataOffset + frame * frameBytes;
  const bytes = ds.byteArray.subarray(start, start + frameBytes);
  let values = valuesFromBytes(bytes, layout, layout.bitsAllocated, transferSyntax.bigEndian, undefined);
  if (layout.samplesPerPixel === 3 && layout.planarConfiguration === 1) values = interleave(values, pixels);
  return { rows: layout.rows, columns: layout.columns, samplesPerPixel: layout.samplesPerPixel, values };
}
