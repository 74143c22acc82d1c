import { deflateSync } from 'fflate';

/**
 * A minimal DICOM Part 10 writer (Explicit VR Little Endian, 16-bit MONOCHROME2 Digital Mammography X-Ray
 * images) for the synthetic mammograms that tests and the demo use: real files through the real reader.
 */
export interface DicomWriteOptions {
  rows: number;
  columns: number;
  /** Stored values, 0 .. 2^bitsStored - 1. */
  pixels: Uint16Array;
  bitsStored: number;
  patientId: string;
  patientName?: string;
  studyInstanceUid: string;
  sopInstanceUid: string;
  laterality: 'L' | 'R';
  viewPosition: 'CC' | 'MLO';
  windowCenter?: number;
  windowWidth?: number;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2';
  /** Deflated Explicit VR Little Endian: the data set after the file meta is raw DEFLATE. */
  deflate?: boolean;
}

const MG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.1.2'; // Digital Mammography X-Ray Image Storage - For Presentation

function element(group: number, elementNumber: number, vr: string, value: Uint8Array): Uint8Array {
  const padded =
    value.length % 2 === 0 ? value : Uint8Array.from([...value, vr === 'UI' ? 0 : vr === 'OB' ? 0 : 0x20]);
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, elementNumber, true);
  header[4] = vr.charCodeAt(0);
  header[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, padded.length, true);
  else view.setUint16(6, padded.length, true);
  const out = new Uint8Array(header.length + padded.length);
  out.set(header, 0);
  out.set(padded, header.length);
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);
const us = (v: number) => Uint8Array.from([v & 0xff, v >> 8]);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function writeDicomMammogram(o: DicomWriteOptions): Uint8Array {
  const transferSyntax = o.deflate === true ? '1.2.840.10008.1.2.1.99' : '1.2.840.10008.1.2.1';
  const metaBody = concat([
    element(0x0002, 0x0001, 'OB', Uint8Array.from([0, 1])),
    element(0x0002, 0x0002, 'UI', text(MG_SOP_CLASS)),
    element(0x0002, 0x0003, 'UI', text(o.sopInstanceUid)),
    element(0x0002, 0x0010, 'UI', text(transferSyntax)),
    element(0x0002, 0x0012, 'UI', text('1.2.826.0.1.3680043.10.1040.1')),
  ]);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaBody.length, true);
  const pixelBytes = new Uint8Array(o.pixels.buffer, o.pixels.byteOffset, o.pixels.byteLength);
  const body = concat([
    element(0x0008, 0x0016, 'UI', text(MG_SOP_CLASS)),
    element(0x0008, 0x0018, 'UI', text(o.sopInstanceUid)),
    element(0x0008, 0x0060, 'CS', text('MG')),
    element(0x0008, 0x0070, 'LO', text('Attest synthetic')),
    element(0x0010, 0x0010, 'PN', text(o.patientName ?? `SYNTHETIC^${o.patientId}`)),
    element(0x0010, 0x0020, 'LO', text(o.patientId)),
    element(0x0018, 0x0015, 'CS', text('BREAST')),
    element(0x0018, 0x5101, 'CS', text(o.viewPosition)),
    element(0x0020, 0x000d, 'UI', text(o.studyInstanceUid)),
    element(0x0020, 0x0062, 'CS', text(o.laterality)),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', text(o.photometric ?? 'MONOCHROME2')),
    element(0x0028, 0x0010, 'US', us(o.rows)),
    element(0x0028, 0x0011, 'US', us(o.columns)),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(o.bitsStored)),
    element(0x0028, 0x0102, 'US', us(o.bitsStored - 1)),
    element(0x0028, 0x0103, 'US', us(0)),
    ...(o.windowCenter !== undefined && o.windowWidth !== undefined
      ? [
          element(0x0028, 0x1050, 'DS', text(String(o.windowCenter))),
          element(0x0028, 0x1051, 'DS', text(String(o.windowWidth))),
        ]
      : []),
    element(0x7fe0, 0x0010, 'OW', pixelBytes),
  ]);
  const preamble = new Uint8Array(132);
  preamble.set(text('DICM'), 128);
  return concat([
    preamble,
    element(0x0002, 0x0000, 'UL', groupLength),
    metaBody,
    o.deflate === true ? deflateSync(body) : body,
  ]);
}

/** Encapsulated pixel data (PS3.5 A.4): an empty basic offset table, then one fragment per frame. */
function encapsulate(frames: Uint8Array[]): Uint8Array {
  const item = (data: Uint8Array) => {
    const padded = data.length % 2 === 0 ? data : Uint8Array.from([...data, 0]);
    const header = new Uint8Array(8);
    const view = new DataView(header.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, 0xe000, true);
    view.setUint32(4, padded.length, true);
    return concat([header, padded]);
  };
  const tag = new Uint8Array(12);
  const view = new DataView(tag.buffer);
  view.setUint16(0, 0x7fe0, true);
  view.setUint16(2, 0x0010, true);
  tag[4] = 0x4f; // OB
  tag[5] = 0x42;
  view.setUint32(8, 0xffffffff, true);
  const end = new Uint8Array(8);
  new DataView(end.buffer).setUint16(0, 0xfffe, true);
  new DataView(end.buffer).setUint16(2, 0xe0dd, true);
  return concat([tag, item(new Uint8Array(0)), ...frames.map(item), end]);
}

/** A secondary-capture DICOM file holding already-compressed frames under the given transfer syntax. */
export function writeDicomEncapsulated(o: {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: 1 | 3;
  photometric: string;
  transferSyntax: string;
  frames: Uint8Array[];
}): Uint8Array {
  const sop = '1.2.826.0.1.3680043.10.1040.99.1';
  const metaBody = concat([
    element(0x0002, 0x0001, 'OB', Uint8Array.from([0, 1])),
    element(0x0002, 0x0002, 'UI', text('1.2.840.10008.5.1.4.1.1.7')),
    element(0x0002, 0x0003, 'UI', text(sop)),
    element(0x0002, 0x0010, 'UI', text(o.transferSyntax)),
  ]);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaBody.length, true);
  const body = concat([
    element(0x0008, 0x0016, 'UI', text('1.2.840.10008.5.1.4.1.1.7')),
    element(0x0008, 0x0018, 'UI', text(sop)),
    element(0x0008, 0x0060, 'CS', text('OT')),
    element(0x0028, 0x0002, 'US', us(o.samplesPerPixel)),
    element(0x0028, 0x0004, 'CS', text(o.photometric)),
    element(0x0028, 0x0008, 'IS', text(String(o.frames.length))),
    element(0x0028, 0x0010, 'US', us(o.rows)),
    element(0x0028, 0x0011, 'US', us(o.columns)),
    element(0x0028, 0x0100, 'US', us(o.bitsAllocated)),
    element(0x0028, 0x0101, 'US', us(o.bitsStored)),
    element(0x0028, 0x0102, 'US', us(o.bitsStored - 1)),
    element(0x0028, 0x0103, 'US', us(0)),
    encapsulate(o.frames),
  ]);
  const preamble = new Uint8Array(132);
  preamble.set(text('DICM'), 128);
  return concat([preamble, element(0x0002, 0x0000, 'UL', groupLength), metaBody, body]);
}
