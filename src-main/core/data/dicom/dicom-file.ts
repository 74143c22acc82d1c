import { createRequire } from 'node:module';
import type { DataSet, Element } from 'dicom-parser';
import { inflateSync } from 'fflate';
import { badInput } from '../../errors.js';
import { transferSyntaxOf, type TransferSyntax } from './transfer-syntaxes.js';

// dicom-parser ships CommonJS with its own typings; load it through require so that ESM interop stays plain.
const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof import('dicom-parser');

/** A lookup table from a Modality or VOI LUT Sequence item. */
export interface DicomLut {
  firstMapped: number;
  bits: number;
  data: Uint16Array;
  explanation?: string;
}

/** How the stored pixels are laid out: everything the decoders and the display pipeline need. */
export interface PixelLayout {
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  planarConfiguration: number;
}

/** Who and what the image is of. Identifiers stay out of logs; see `withheldIdentifiers`. */
export interface DicomIdentifiers {
  patientId?: string;
  patientName?: string;
  studyInstanceUid?: string;
  studyId?: string;
  accessionNumber?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
}

export interface DicomDescription {
  sopClassUid?: string;
  modality?: string;
  /** Image Laterality (0020,0062), else Laterality (0020,0060): L, R, B or U. */
  laterality?: string;
  viewPosition?: string;
  bodyPart?: string;
  manufacturer?: string;
  photometric: string;
}

export interface DisplayAttributes {
  rescaleSlope: number;
  rescaleIntercept: number;
  modalityLut?: DicomLut;
  windowCenter?: number;
  windowWidth?: number;
  voiLutFunction: string;
  voiLut?: DicomLut;
}

export interface DicomFile {
  file: string;
  dataSet: DataSet;
  transferSyntax: TransferSyntax;
  layout: PixelLayout;
  description: DicomDescription;
  identifiers: DicomIdentifiers;
  display: DisplayAttributes;
  pixelData: Element;
}

function text(ds: DataSet, tag: string): string | undefined {
  const value = ds.string(tag)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** First value of a multi-valued decimal string (window center and width may hold several). */
function firstNumber(ds: DataSet, tag: string): number | undefined {
  const raw = text(ds, tag);
  if (raw === undefined) return undefined;
  const value = Number(raw.split('\\')[0]);
  return Number.isFinite(value) ? value : undefined;
}

function readLut(ds: DataSet, file: string, where: string): DicomLut | undefined {
  const descriptor = ds.elements['x00283002'];
  const data = ds.elements['x00283006'];
  if (descriptor === undefined || data === undefined) return undefined;
  const entriesRaw = ds.uint16('x00283002', 0) ?? 0;
  const entries = entriesRaw === 0 ? 65536 : entriesRaw;
  // The first mapped value is US or SS depending on the pixel representation; read its 16 bits as written.
  let firstMapped = ds.uint16('x00283002', 1) ?? 0;
  if (descriptor.vr === 'SS' && firstMapped >= 32768) firstMapped -= 65536;
  const bits = ds.uint16('x00283002', 2) ?? 16;
  let values: Uint16Array;
  if (data.length >= entries * 2) {
    values = Uint16Array.from({ length: entries }, (_, i) => ds.uint16('x00283006', i) ?? 0);
  } else if (data.length >= entries) {
    values = Uint16Array.from(ds.byteArray.subarray(data.dataOffset, data.dataOffset + entries));
  } else {
    throw badInput(`${where}: LUT Data holds ${data.length} bytes for ${entries} entries`, file);
  }
  const explanation = text(ds, 'x00283003');
  return { firstMapped, bits, data: values, ...(explanation !== undefined ? { explanation } : {}) };
}

function firstItem(ds: DataSet, tag: string): DataSet | undefined {
  return ds.elements[tag]?.items?.[0]?.dataSet;
}

/** dicom-parser throws strings, Errors, or {exception, dataSet}; keep the message only. */
function parserMessage(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'exception' in error)
    return String((error as { exception: unknown }).exception);
  return String(error);
}

/** Deflated transfer syntax: the data set after the file meta group is raw DEFLATE (PS3.5 A.5). */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
}

/**
 * Parses a DICOM Part 10 file and checks that its pixel data can be read: a known transfer syntax, image pixel
 * attributes in range, and for native data a length that matches rows x columns x samples x bits x frames.
 */
export function parseDicomFile(bytes: Uint8Array, file: string): DicomFile {
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM')
    throw badInput('not a DICOM Part 10 file (no "DICM" after the 128-byte preamble)', file);
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, { inflater } as never);
  } catch (error) {
    throw badInput(`DICOM file is truncated or damaged: ${parserMessage(error)}`, file);
  }
  const uid = text(dataSet, 'x00020010')?.replace(/\0/g, '');
  if (uid === undefined) throw badInput('DICOM file meta has no Transfer Syntax UID (0002,0010)', file);
  const transferSyntax = transferSyntaxOf(uid);
  if (transferSyntax === undefined)
    throw badInput(`transfer syntax ${uid} is not an image encoding Attest can decode`, file);
  const pixelData = dataSet.elements['x7fe00010'];
  // Sizes are checked against the parsed bytes: a deflated file's data set is the inflated copy.
  if (pixelData === undefined) throw badInput('DICOM file holds no Pixel Data (7FE0,0010)', file);
  if (
    pixelData.dataOffset + (pixelData.encapsulatedPixelData ? 0 : pixelData.length) >
    dataSet.byteArray.length
  )
    throw badInput(
      `DICOM file is truncated: Pixel Data claims ${pixelData.length} bytes, ${dataSet.byteArray.length - pixelData.dataOffset} remain`,
      file,
    );
  const layout = readLayout(dataSet, file);
  checkPixelDataMatches(pixelData, transferSyntax, layout, file);
  const modalityItem = firstItem(dataSet, 'x00283000');
  const voiItem = firstItem(dataSet, 'x00283010');
  const modalityLut = modalityItem !== undefined ? readLut(modalityItem, file, 'Modality LUT') : undefined;
  const voiLut = voiItem !== undefined ? readLut(voiItem, file, 'VOI LUT') : undefined;
  const windowCenter = firstNumber(dataSet, 'x00281050');
  const windowWidth = firstNumber(dataSet, 'x00281051');
  const optional = <T extends object>(entries: Record<string, unknown>): T =>
    Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as T;
  return {
    file,
    dataSet,
    transferSyntax,
    layout,
    pixelData,
    description: optional<DicomDescription>({
      sopClassUid: text(dataSet, 'x00080016'),
      modality: text(dataSet, 'x00080060'),
      laterality: text(dataSet, 'x00200062') ?? text(dataSet, 'x00200060'),
      viewPosition: text(dataSet, 'x00185101'),
      bodyPart: text(dataSet, 'x00180015'),
      manufacturer: text(dataSet, 'x00080070'),
      photometric: layout.photometric,
    }),
    identifiers: optional<DicomIdentifiers>({
      patientId: text(dataSet, 'x00100020'),
      patientName: text(dataSet, 'x00100010'),
      studyInstanceUid: text(dataSet, 'x0020000d'),
      studyId: text(dataSet, 'x00200010'),
      accessionNumber: text(dataSet, 'x00080050'),
      seriesInstanceUid: text(dataSet, 'x0020000e'),
      sopInstanceUid: text(dataSet, 'x00080018'),
    }),
    display: optional<DisplayAttributes>({
      rescaleSlope: firstNumber(dataSet, 'x00281053') ?? 1,
      rescaleIntercept: firstNumber(dataSet, 'x00281052') ?? 0,
      modalityLut,
      windowCenter,
      windowWidth: windowWidth !== undefined && windowWidth >= 1 ? windowWidth : undefined,
      voiLutFunction: (text(dataSet, 'x00281056') ?? 'LINEAR').toUpperCase(),
      voiLut,
    }),
  };
}

function readLayout(ds: DataSet, file: string): PixelLayout {
  const need = (tag: string, name: string): number => {
    const value = ds.uint16(tag);
    if (value === undefined)
      throw badInput(`DICOM image lacks ${name} (${tag.slice(1, 5)},${tag.slice(5)})`, file);
    return value;
  };
  const rows = need('x00280010', 'Rows');
  const columns = need('x00280011', 'Columns');
  const bitsAllocated = need('x00280100', 'Bits Allocated');
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  const frames = Number(text(ds, 'x00280008') ?? '1');
  const photometric = (
    text(ds, 'x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')
  ).toUpperCase();
  if (rows === 0 || columns === 0) throw badInput(`DICOM image is ${rows} x ${columns} pixels`, file);
  if (![8, 16, 32].includes(bitsAllocated))
    throw badInput(`Bits Allocated ${bitsAllocated} is not supported (8, 16 or 32)`, file);
  if (bitsStored < 1 || bitsStored > bitsAllocated)
    throw badInput(`Bits Stored ${bitsStored} does not fit Bits Allocated ${bitsAllocated}`, file);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3)
    throw badInput(`Samples per Pixel ${samplesPerPixel} is not supported (1 or 3)`, file);
  // A header can claim any size; refuse what no workstation could hold before allocating for it.
  if (rows * columns * samplesPerPixel > 2 ** 28)
    throw badInput(
      `DICOM image of ${rows} x ${columns} x ${samplesPerPixel} samples is too large to decode (limit 268 million)`,
      file,
    );
  if (!Number.isInteger(frames) || frames < 1)
    throw badInput(`Number of Frames "${frames}" is not a positive integer`, file);
  if (samplesPerPixel === 1 && !photometric.startsWith('MONOCHROME'))
    throw badInput(
      `photometric interpretation ${photometric} with one sample per pixel is not supported`,
      file,
    );
  return {
    rows,
    columns,
    frames,
    samplesPerPixel,
    photometric,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16('x00280102') ?? bitsStored - 1,
    pixelRepresentation: ds.uint16('x00280103') ?? 0,
    planarConfiguration: ds.uint16('x00280006') ?? 0,
  };
}

/** The transfer syntax must agree with how the pixel data is written, and native data must have its full size. */
function checkPixelDataMatches(
  pixelData: Element,
  syntax: TransferSyntax,
  layout: PixelLayout,
  file: string,
) {
  const encapsulated = pixelData.encapsulatedPixelData === true;
  if (syntax.codec === 'native' && encapsulated)
    throw badInput(
      `transfer syntax ${syntax.uid} (${syntax.name}) says native pixels, but Pixel Data is encapsulated (compressed fragments)`,
      file,
    );
  if (syntax.codec !== 'native' && !encapsulated)
    throw badInput(
      `transfer syntax ${syntax.uid} (${syntax.name}) says compressed pixels, but Pixel Data is not encapsulated`,
      file,
    );
  if (syntax.codec === 'native') {
    const expected =
      layout.rows * layout.columns * layout.samplesPerPixel * layout.frames * (layout.bitsAllocated / 8);
    // One pad byte keeps DICOM values even-length.
    if (pixelData.length !== expected && pixelData.length !== expected + 1)
      throw badInput(
        `Pixel Data holds ${pixelData.length} bytes, but rows x columns x samples x frames x bits (${layout.rows} x ${layout.columns} x ${layout.samplesPerPixel} x ${layout.frames} x ${layout.bitsAllocated}) needs ${expected}`,
        file,
      );
  } else if ((pixelData.fragments?.length ?? 0) === 0) {
    throw badInput('encapsulated Pixel Data holds no fragment', file);
  }
}

/** Identifiers replaced by a note, for anything that may be logged or shown without the user asking. */
export function withheldIdentifiers(identifiers: DicomIdentifiers): Record<string, string> {
  return Object.fromEntries(
    Object.keys(identifiers).map((k) => [k, 'withheld (ask with --show-identifiers)']),
  );
}
