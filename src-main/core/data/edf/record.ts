import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { parseEdfHeader, type EdfHeader, type EdfSignalHeader } from './header.js';
import { parseTals, type EdfAnnotation } from './annotations.js';

export interface EdfSignal {
  header: EdfSignalHeader;
  /** Sampling frequency, Hz: samples per data record / record duration. */
  fs: number;
  digital: Int16Array;
}

export interface EdfFile {
  path: string;
  sha256: string;
  size: number;
  header: EdfHeader;
  /** Ordinary signals (the annotation channel excluded). */
  signals: EdfSignal[];
  annotations: EdfAnnotation[];
  /** Start of each data record, seconds (EDF+ timekeeping; contiguous multiples of the duration for plain EDF). */
  recordStarts: number[];
}

/** Physical value of a digital sample: the linear map of [digitalMin, digitalMax] onto [physicalMin, physicalMax]. */
export function edfPhysical(signal: EdfSignal): Float64Array {
  const { digitalMin, digitalMax, physicalMin, physicalMax } = signal.header;
  const gain = (physicalMax - physicalMin) / (digitalMax - digitalMin);
  return Float64Array.from(signal.digital, (d) => (d - digitalMin) * gain + physicalMin);
}

/** Reads a whole EDF/EDF+ file: header, every signal's samples (16-bit little endian) and the annotations. */
export function readEdfFile(path: string): EdfFile {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw badInput('no such file', path);
  }
  if (!stat.isFile()) throw badInput('not a regular file', path);
  const bytes = readFileSync(path);
  const header = parseEdfHeader(bytes, path);
  const perRecord = header.signals.reduce((sum, s) => sum + s.samplesPerRecord, 0);
  const recordBytes = perRecord * 2;
  const dataBytes = bytes.length - header.headerBytes;
  let records = header.dataRecords;
  if (records === -1) {
    // -1 means "unknown" (recording still running when the header was written): the file size tells.
    records = Math.floor(dataBytes / recordBytes);
    header.warnings.push(
      `number of data records was -1; ${records} complete records read from the file size`,
    );
  }
  const expected = records * recordBytes;
  if (dataBytes < expected) {
    throw badInput(
      `truncated: the header announces ${records} data records of ${recordBytes} bytes (${expected} bytes), the file holds ${dataBytes}`,
      path,
    );
  }
  if (dataBytes > expected)
    header.warnings.push(`${dataBytes - expected} bytes after the last data record are ignored`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signals: EdfSignal[] = [];
  const annotations: EdfAnnotation[] = [];
  const recordStarts: number[] = [];
  let offsetInRecord = 0;
  for (const [index, signalHeader] of header.signals.entries()) {
    const n = signalHeader.samplesPerRecord;
    if (signalHeader.isAnnotations) {
      for (let r = 0; r < records; r++) {
        const start = header.headerBytes + r * recordBytes + offsetInRecord * 2;
        const tals = parseTals(bytes.subarray(start, start + n * 2), path, r + 1);
        if (recordStarts.length === r && tals.recordStart !== undefined) recordStarts.push(tals.recordStart);
        annotations.push(...tals.annotations);
      }
    } else {
      const digital = new Int16Array(records * n);
      for (let r = 0; r < records; r++) {
        const start = header.headerBytes + r * recordBytes + offsetInRecord * 2;
        for (let k = 0; k < n; k++) digital[r * n + k] = view.getInt16(start + k * 2, true);
      }
      const fs = header.recordDuration > 0 ? n / header.recordDuration : 0;
      signals.push({ header: signalHeader, fs, digital });
    }
    offsetInRecord += n;
    void index;
  }
  if (recordStarts.length !== records) {
    if (header.variant === 'EDF+D')
      throw badInput('EDF+D file without a timekeeping annotation in every data record', path);
    recordStarts.length = 0;
    for (let r = 0; r < records; r++) recordStarts.push(r * header.recordDuration);
  }
  header.dataRecords = records;
  annotations.sort((a, b) => a.onset - b.onset);
  return { path, sha256: sha256Hex(bytes), size: bytes.length, header, signals, annotations, recordStarts };
}

export function edfName(path: string): string {
  return basename(path).replace(/\.(edf|bdf)$/i, '');
}
