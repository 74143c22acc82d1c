import { badInput } from '../../errors.js';

/**
 * EDF and EDF+ headers (Kemp et al. 1992; Kemp & Olivan 2003): a 256-byte fixed part, then 256 bytes per
 * signal, every field space-padded ASCII. Numeric fields must be plain ASCII numbers; text fields in real files
 * sometimes carry Latin-1 bytes (a degree sign in a unit): those are decoded as Latin-1 and reported as a
 * warning rather than refused, since the samples are unaffected.
 */

export interface EdfSignalHeader {
  label: string;
  transducer: string;
  physicalDimension: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  samplesPerRecord: number;
  /** True for the EDF+ annotation channel ("EDF Annotations"). */
  isAnnotations: boolean;
}

export interface EdfHeader {
  version: string;
  patient: string;
  recording: string;
  startDate: string;
  startTime: string;
  headerBytes: number;
  /** 'EDF', 'EDF+C' (continuous) or 'EDF+D' (discontinuous). */
  variant: 'EDF' | 'EDF+C' | 'EDF+D';
  dataRecords: number;
  recordDuration: number;
  signals: EdfSignalHeader[];
  warnings: string[];
}

const FIXED_BYTES = 256;
const SIGNAL_BYTES = 256;
/** Guards against absurd counts before any allocation. */
const MAX_SIGNALS = 4096;
const MAX_SAMPLES_PER_RECORD = 10_000_000;

class FieldReader {
  offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly warnings: string[],
  ) {}

  text(width: number, field: string): string {
    const end = this.offset + width;
    if (end > this.bytes.length) throw badInput(`EDF header ends inside field "${field}"`, this.file);
    const slice = this.bytes.subarray(this.offset, end);
    this.offset = end;
    let out = '';
    let nonAscii = false;
    for (const byte of slice) {
      if (byte < 32 && byte !== 0)
        throw badInput(`control byte 0x${byte.toString(16)} in field "${field}"`, this.file);
      if (byte > 126) nonAscii = true;
      out += String.fromCharCode(byte === 0 ? 32 : byte);
    }
    if (nonAscii)
      this.warnings.push(`field "${field}" holds non-ASCII bytes, read as Latin-1: "${out.trim()}"`);
    return out.trim();
  }

  number(width: number, field: string, integer = false): number {
    const start = this.offset;
    const text = this.text(width, field);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      throw badInput(`field "${field}" at byte ${start} is not a number: "${text}"`, this.file);
    }
    const value = Number(text);
    if (integer && !Number.isInteger(value))
      throw badInput(`field "${field}" at byte ${start} must be an integer: "${text}"`, this.file);
    return value;
  }
}

/** Parses the header from the file's first bytes (at least the fixed part plus every signal header). */
export function parseEdfHeader(bytes: Uint8Array, file: string): EdfHeader {
  if (bytes.length < FIXED_BYTES) throw badInput(`too short for an EDF header (${bytes.length} bytes)`, file);
  const warnings: string[] = [];
  // Checked on the raw bytes first, so that a ZIP, a DICOM or a BDF file is named for what it is not.
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (magic !== '0       ') {
    throw badInput(
      `not an EDF file: it starts with ${JSON.stringify(magic)}, not "0" padded with spaces`,
      file,
    );
  }
  const r = new FieldReader(bytes, file, warnings);
  const version = r.text(8, 'version');
  const patient = r.text(80, 'patient');
  const recording = r.text(80, 'recording');
  const startDate = r.text(8, 'start date');
  const startTime = r.text(8, 'start time');
  const headerBytes = r.number(8, 'header bytes', true);
  const reserved = r.text(44, 'reserved');
  const dataRecords = r.number(8, 'number of data records', true);
  const recordDuration = r.number(8, 'duration of a data record');
  const count = r.number(4, 'number of signals', true);
  if (count < 1 || count > MAX_SIGNALS)
    throw badInput(`number of signals ${count} is outside 1..${MAX_SIGNALS}`, file);
  if (headerBytes !== FIXED_BYTES + count * SIGNAL_BYTES) {
    throw badInput(
      `header size field says ${headerBytes} bytes, but ${count} signals need ${FIXED_BYTES + count * SIGNAL_BYTES}`,
      file,
    );
  }
  if (bytes.length < headerBytes)
    throw badInput(`file ends inside the signal headers (${bytes.length} bytes)`, file);
  if (dataRecords < -1) throw badInput(`number of data records ${dataRecords} is negative`, file);
  if (!(recordDuration >= 0) || recordDuration > 1e6)
    throw badInput(`data record duration ${recordDuration} s is absurd`, file);
  const variant = reserved.startsWith('EDF+D') ? 'EDF+D' : reserved.startsWith('EDF+C') ? 'EDF+C' : 'EDF';
  const column = <T>(read: (field: string) => T, field: string): T[] =>
    Array.from({ length: count }, (_, i) => read(`${field} of signal ${i + 1}`));
  const labels = column((f) => r.text(16, f), 'label');
  const transducers = column((f) => r.text(80, f), 'transducer');
  const dimensions = column((f) => r.text(8, f), 'physical dimension');
  const physicalMin = column((f) => r.number(8, f), 'physical minimum');
  const physicalMax = column((f) => r.number(8, f), 'physical maximum');
  const digitalMin = column((f) => r.number(8, f, true), 'digital minimum');
  const digitalMax = column((f) => r.number(8, f, true), 'digital maximum');
  const prefiltering = column((f) => r.text(80, f), 'prefiltering');
  const samples = column((f) => r.number(8, f, true), 'samples per data record');
  column((f) => r.text(32, f), 'reserved');
  const signals = labels.map((label, i): EdfSignalHeader => {
    const n = samples[i] as number;
    const dMin = digitalMin[i] as number;
    const dMax = digitalMax[i] as number;
    const where = `signal ${i + 1} ("${label}")`;
    if (n < 1 || n > MAX_SAMPLES_PER_RECORD)
      throw badInput(`${where}: samples per data record ${n} is outside 1..${MAX_SAMPLES_PER_RECORD}`, file);
    if (dMin < -32768 || dMax > 32767 || dMin >= dMax)
      throw badInput(`${where}: digital range ${dMin}..${dMax} is not an increasing 16-bit range`, file);
    if (physicalMin[i] === physicalMax[i])
      throw badInput(`${where}: physical minimum equals physical maximum (${physicalMin[i]})`, file);
    return {
      label,
      transducer: transducers[i] as string,
      physicalDimension: dimensions[i] as string,
      physicalMin: physicalMin[i] as number,
      physicalMax: physicalMax[i] as number,
      digitalMin: dMin,
      digitalMax: dMax,
      prefiltering: prefiltering[i] as string,
      samplesPerRecord: n,
      isAnnotations: variant !== 'EDF' && label === 'EDF Annotations',
    };
  });
  return {
    version,
    patient,
    recording,
    startDate,
    startTime,
    headerBytes,
    variant,
    dataRecords,
    recordDuration,
    signals,
    warnings,
  };
}
