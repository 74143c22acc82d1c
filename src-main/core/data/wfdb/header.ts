import { badInput } from '../../errors.js';
import { formatInfo } from './formats.js';

/** One signal line of a WFDB header, with the WFDB defaults filled in where the line leaves a field out. */
export interface WfdbSignalSpec {
  fileName: string;
  format: string;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  /** ADC units per physical unit as written; 0 means "uncalibrated" (WFDB then converts with 200). */
  gain: number;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  initialValue: number;
  /** The 16-bit checksum of all the signal's samples as written in the header, or undefined when absent. */
  checksum: number | undefined;
  blockSize: number;
  name: string;
}

export interface WfdbHeader {
  record: string;
  /** Frames per second (for a multi-frequency record, each signal has samplesPerFrame samples per frame). */
  fs: number;
  /** Frames in the record; when the header leaves it out (or writes 0), the reader infers it from the files. */
  samples: number;
  /** True when the header gave the frame count; false when the reader must infer it from the signal files. */
  samplesGiven: boolean;
  signals: WfdbSignalSpec[];
  comments: string[];
  baseTime?: string;
  baseDate?: string;
  counterFrequency?: number;
  baseCounter?: number;
}

/** WFDB's default gain, used to convert the samples of a signal whose header gain is 0 (uncalibrated). */
export const WFDB_DEFAULT_GAIN = 200;
/** The WFDB default sampling frequency when the record line leaves it out. */
const WFDB_DEFAULT_FS = 250;
/** Limits that no real recording reaches; larger values are corrupt headers, rejected before any allocation. */
const MAX_SIGNALS = 10_000;
const MAX_FRAMES = 2 ** 40;
const MAX_SAMPLES_PER_FRAME = 1_000_000;
const MAX_FS = 1e9;
/** Byte offsets beyond this would need a signal file larger than any file system holds in practice. */
const MAX_BYTE_OFFSET = 2 ** 45;

const INTEGER = /^[+-]?\d+$/;
const RECORD_NAME = /^[A-Za-z0-9_.~-]+$/;
// FORMAT[xSAMPLES_PER_FRAME][:SKEW][+BYTE_OFFSET]
const FORMAT_FIELD = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/;
// GAIN[(BASELINE)][/UNITS]
const GAIN_FIELD = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(([+-]?\d+)\))?(?:\/(\S*))?$/;
// FS[/COUNTER_FREQUENCY[(BASE_COUNTER)]]
const FS_FIELD =
  /^((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\/((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(([+-]?(?:\d+\.?\d*|\.\d+))\))?)?$/;

/** Shows a piece of a bad line in a message without flooding it (or the terminal) with binary garbage. */
function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return JSON.stringify(shown);
}

/**
 * Parses the text of a WFDB header (.hea): the record line, one line per signal and the `#` comment lines.
 * Every numeric field is checked, so that a corrupt header fails here with its line number rather than as a
 * huge allocation or a wrong signal later. Multi-segment headers are recognised and refused with a clear message.
 */
export function parseWfdbHeader(text: string, filePath: string): WfdbHeader {
  if (text.includes('\0'))
    throw badInput('not a WFDB header: the file holds binary data (NUL bytes)', filePath);
  const comments: string[] = [];
  const lines: { text: string; number: number }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#')) comments.push(line.slice(1).trim());
    else if (line !== '') lines.push({ text: line, number: index + 1 });
  });
  const recordLine = lines[0];
  if (recordLine === undefined) throw badInput('not a WFDB header: it has no record line', filePath);
  const fail = (line: { number: number }, problem: string) =>
    badInput(`line ${line.number} of the header: ${problem}`, filePath);

  const fields = recordLine.text.split(/\s+/);
  const [nameField = '', nsigField, fsField, samplesField, baseTime, baseDate] = fields;
  const [record = '', segmentsField] = nameField.split('/');
  if (!RECORD_NAME.test(record))
    throw fail(recordLine, `not a WFDB record line (bad record name in ${quote(recordLine.text)})`);
  if (segmentsField !== undefined) {
    throw fail(
      recordLine,
      `record ${record} is a multi-segment record (${quote(segmentsField)} segments); ` +
        'it is read by the multi-segment reader, not as a single record',
    );
  }
  if (nsigField === undefined || !INTEGER.test(nsigField))
    throw fail(recordLine, `the number of signals must be an integer, got ${quote(nsigField ?? '')}`);
  const nsig = Number(nsigField);
  if (nsig < 0 || nsig > MAX_SIGNALS)
    throw fail(recordLine, `the number of signals must be from 0 to ${MAX_SIGNALS}, got ${nsig}`);

  let fs = WFDB_DEFAULT_FS;
  let counterFrequency: number | undefined;
  let baseCounter: number | undefined;
  if (fsField !== undefined) {
    const match = FS_FIELD.exec(fsField);
    if (match === null)
      throw fail(recordLine, `the sampling frequency must be a positive number, got ${quote(fsField)}`);
    fs = Number(match[1]);
    if (match[2] !== undefined) counterFrequency = Number(match[2]);
    if (match[3] !== undefined) baseCounter = Number(match[3]);
  }
  if (!(fs > 0 && fs <= MAX_FS))
    throw fail(recordLine, `the sampling frequency must be above 0 and at most ${MAX_FS} Hz, got ${fs}`);

  let samples = 0;
  if (samplesField !== undefined) {
    if (!INTEGER.test(samplesField))
      throw fail(recordLine, `the number of samples must be an integer, got ${quote(samplesField)}`);
    samples = Number(samplesField);
    if (samples < 0 || samples > MAX_FRAMES)
      throw fail(recordLine, `the number of samples must be from 0 to 2^40, got ${samplesField}`);
  }

  const signalLines = lines.slice(1);
  if (signalLines.length < nsig)
    throw badInput(
      `the header declares ${nsig} signals but has ${signalLines.length} signal lines`,
      filePath,
    );
  if (signalLines.length > nsig) {
    const extra = signalLines[nsig] ?? recordLine;
    throw fail(extra, `the header declares ${nsig} signals but has more lines: ${quote(extra.text)}`);
  }
  const signals = signalLines.map((line, index) => parseSignalLine(line, index, record, fail));
  for (const signal of signals) {
    if (samples * signal.samplesPerFrame > MAX_FRAMES)
      throw badInput(
        `signal ${signal.name}: ${samples} frames of ${signal.samplesPerFrame} samples is absurd`,
        filePath,
      );
  }

  const header: WfdbHeader = { record, fs, samples, samplesGiven: samples > 0, signals, comments };
  if (baseTime !== undefined) header.baseTime = baseTime;
  if (baseDate !== undefined) header.baseDate = baseDate;
  if (counterFrequency !== undefined) header.counterFrequency = counterFrequency;
  if (baseCounter !== undefined) header.baseCounter = baseCounter;
  return header;
}

type Fail = (line: { number: number }, problem: string) => Error;

function parseSignalLine(
  line: { text: string; number: number },
  index: number,
  record: string,
  fail: Fail,
): WfdbSignalSpec {
  // The description is everything after the eighth field and may contain spaces ("ECG lead II").
  const fields: string[] = [];
  let rest = line.text;
  while (fields.length < 8 && rest !== '') {
    const match = /^(\S+)\s*/.exec(rest);
    if (match === null || match[1] === undefined) break;
    fields.push(match[1]);
    rest = rest.slice(match[0].length);
  }
  const [fileName = '', formatField, gainField, resField, zeroField, initField, checksumField, blockField] =
    fields;
  const label = `signal ${index}`;
  if (formatField === undefined) throw fail(line, `${label} has no format field: ${quote(line.text)}`);
  const format = FORMAT_FIELD.exec(formatField);
  if (format === null || format[1] === undefined)
    throw fail(
      line,
      `${label}: the format field must look like 212, 16x2, 16:3 or 212+512, got ${quote(formatField)}`,
    );
  const formatCode = String(Number(format[1]));
  const info = formatInfo(formatCode);
  if (info === undefined)
    throw fail(
      line,
      `${label} (file ${fileName}) uses WFDB format ${formatCode}, which is not supported ` +
        '(supported: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)',
    );
  const samplesPerFrame = format[2] !== undefined ? Number(format[2]) : 1;
  if (samplesPerFrame < 1 || samplesPerFrame > MAX_SAMPLES_PER_FRAME)
    throw fail(
      line,
      `${label}: samples per frame must be from 1 to ${MAX_SAMPLES_PER_FRAME}, got ${samplesPerFrame}`,
    );
  const skew = format[3] !== undefined ? Number(format[3]) : 0;
  if (skew > MAX_FRAMES) throw fail(line, `${label}: the skew ${skew} is absurd`);
  const byteOffset = format[4] !== undefined ? Number(format[4]) : 0;
  if (byteOffset > MAX_BYTE_OFFSET) throw fail(line, `${label}: the byte offset ${byteOffset} is absurd`);

  const integer = (field: string | undefined, what: string, fallback: number): number => {
    if (field === undefined) return fallback;
    if (!INTEGER.test(field))
      throw fail(line, `${label}: the ${what} must be an integer, got ${quote(field)}`);
    const value = Number(field);
    if (!Number.isSafeInteger(value)) throw fail(line, `${label}: the ${what} ${field} is out of range`);
    return value;
  };

  let gain = 0;
  let baselineField: string | undefined;
  let units = 'mV';
  if (gainField !== undefined) {
    const match = GAIN_FIELD.exec(gainField);
    if (match === null || match[1] === undefined)
      throw fail(
        line,
        `${label}: the gain field must look like 200, 200/mV or 200(1024)/mV, got ${quote(gainField)}`,
      );
    gain = Number(match[1]);
    if (!Number.isFinite(gain))
      throw fail(line, `${label}: the gain ${quote(match[1])} is not a finite number`);
    baselineField = match[2];
    if (match[3] !== undefined && match[3] !== '') units = match[3];
  }
  let adcResolution = integer(resField, 'ADC resolution', 0);
  if (adcResolution < 0 || adcResolution > 32)
    throw fail(line, `${label}: the ADC resolution must be from 0 to 32 bits, got ${adcResolution}`);
  if (adcResolution === 0) adcResolution = info.defaultResolution;
  const adcZero = integer(zeroField, 'ADC zero', 0);
  const initialValue = integer(initField, 'initial value', adcZero);
  const checksum = checksumField !== undefined ? integer(checksumField, 'checksum', 0) : undefined;
  const blockSize = integer(blockField, 'block size', 0);
  if (blockSize < 0) throw fail(line, `${label}: the block size must not be negative, got ${blockSize}`);
  const baseline = integer(baselineField, 'baseline', adcZero);

  return {
    fileName,
    format: formatCode,
    samplesPerFrame,
    skew,
    byteOffset,
    gain,
    baseline,
    units,
    adcResolution,
    adcZero,
    initialValue,
    checksum,
    blockSize,
    name: rest !== '' ? rest : `record ${record}, signal ${index}`,
  };
}
