import { deflateRawSync, crc32 } from 'node:zlib';
import { zipSync } from 'fflate';

/*
 * Writers of small valid inputs (and of the malformed variants built from them) for the corpus and fuzz tests:
 * NumPy .npy and .npz, heartbeat CSV, Pascal VOC XML and a PNG header. Files are generated rather than checked
 * in, so each case shows how it differs from a valid file.
 */

type Dtype = '<f4' | '<f8' | '|u1' | '<i8';

/** A NumPy .npy file (format 1.0) holding `values` with this dtype and shape. */
export function npy(dtype: Dtype, shape: number[], values: ArrayLike<number>): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const size = { '<f4': 4, '<f8': 8, '|u1': 1, '<i8': 8 }[dtype];
  const data = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (dtype === '<f4') data.writeFloatLE(v, i * 4);
    else if (dtype === '<f8') data.writeDoubleLE(v, i * 8);
    else if (dtype === '|u1') data.writeUInt8(v, i);
    else data.writeBigInt64LE(BigInt(v), i * 8);
  }
  const head = Buffer.from([
    0x93,
    0x4e,
    0x55,
    0x4d,
    0x50,
    0x59,
    1,
    0,
    header.length & 255,
    header.length >> 8,
  ]);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

/** Heartbeat rows: `beats` windows of `length` samples, a smooth bump per row, labels cycling N, S, V. */
export function beatRows(beats: number, length: number): { windows: number[][]; labels: number[] } {
  const windows = Array.from({ length: beats }, (_, b) =>
    Array.from({ length }, (_, i) => Math.round(1000 * Math.sin((i + b) / 5)) / 1000),
  );
  return { windows, labels: Array.from({ length: beats }, (_, b) => b % 3) };
}

export function beatCsv(rows: { windows: number[][]; labels: number[] }): string {
  return rows.windows.map((w, i) => [...w, rows.labels[i]].join(',')).join('\n') + '\n';
}

/** A MedMNIST-style archive: 8 x 8 greyscale images in train and test, labels (N, 1). */
export function medmnistEntries(
  counts: { train: number; test: number } = { train: 8, test: 4 },
): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (const [split, n] of Object.entries(counts)) {
    entries[`${split}_images.npy`] = npy(
      '|u1',
      [n, 8, 8],
      Uint8Array.from({ length: n * 64 }, (_, i) => (i * 37) % 256),
    );
    entries[`${split}_labels.npy`] = npy(
      '|u1',
      [n, 1],
      Uint8Array.from({ length: n }, (_, i) => i % 2),
    );
  }
  return entries;
}

/** A zip as NumPy writes it; level 0 stores the entries (so that a flipped data byte stays inflatable). */
export function npz(entries: Record<string, Uint8Array>, level: 0 | 6 | 9 = 6): Uint8Array {
  return zipSync(entries, { level });
}

/** Offset of the first central-directory record of a zip written by fflate. */
export function centralDirectoryOffset(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  return view.getUint32(zip.length - 22 + 16, true);
}

export function vocXml(filename: string, objects: string[] = ['insulator']): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotation>',
    '  <folder>flight</folder>',
    `  <filename>${filename}</filename>`,
    '  <size><width>64</width><height>48</height><depth>3</depth></size>',
    ...objects.map(
      (name, i) =>
        `  <object><name>${name}</name><difficult>0</difficult><bndbox><xmin>${4 + i * 10}</xmin><ymin>4</ymin><xmax>${20 + i * 10}</xmax><ymax>30</ymax></bndbox></object>`,
    ),
    '</annotation>',
    '',
  ].join('\n');
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG whose header declares `width` x `height` greyscale pixels but whose image data holds a few rows only:
 * a few hundred bytes that would decode to gigabytes.
 */
export function pngDeclaring(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc(4 * (width + 1));
  const zlibHeader = Buffer.from([0x78, 0x9c]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.concat([zlibHeader, deflateRawSync(rows)])),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
