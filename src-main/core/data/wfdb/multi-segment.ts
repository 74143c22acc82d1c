import { dirname, join } from 'node:path';
import { badInput } from '../../errors.js';
import { physicalSignal, readWfdbRecord, resolveRecordPath, type SourceFile } from './record.js';
import { readSourceFile } from './source-file.js';

/**
 * WFDB multi-segment records: a master header "RECORD/NSEG NSIG FS NSAMP" followed by one line per segment,
 * "SEGMENT NSAMP". Each segment is an ordinary record in the same folder; a segment named "~" is a gap (no
 * signal for NSAMP samples). With a fixed layout every segment has the same signals; with a variable layout the
 * first segment is a layout header with 0 samples that lists every signal of the record, and each segment holds
 * some of them, possibly with its own gain and baseline. The record's signals are therefore read in physical
 * units, segment by segment, with NaN wherever a segment lacks a signal (as wfdb-python does with m2s).
 */

export interface WfdbSegmentRef {
  /** Segment record name, or "~" for a gap. */
  name: string;
  samples: number;
}

export interface WfdbMultiSegmentHeader {
  record: string;
  fs: number;
  /** Samples (frames) of the whole record: the sum over the segments. */
  samples: number;
  signalCount: number;
  segments: WfdbSegmentRef[];
  comments: string[];
}

export interface WfdbMultiSegmentRecord {
  header: WfdbMultiSegmentHeader;
  layout: 'fixed' | 'variable';
  signals: { name: string; units: string; physical: Float32Array }[];
  /** Where each segment starts in the record, in samples. */
  segments: (WfdbSegmentRef & { start: number })[];
  /** The master header first, then every segment's files. */
  files: SourceFile[];
}

const SEGMENT_NAME = /^(~|[A-Za-z0-9_.-]+)$/;
const MAX_SEGMENTS = 100_000;
/** A record whose NaN-filled signals would not fit in memory is refused before anything is allocated. */
const MAX_TOTAL_VALUES = 2 ** 31;

/** True when the header text's record line names a segment count ("RECORD/NSEG ..."). */
export function isMultiSegmentHeaderText(text: string): boolean {
  const first = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  return first !== undefined && /^\S+\/\S+/.test(first);
}

export function parseWfdbMultiSegmentHeader(text: string, filePath: string): WfdbMultiSegmentHeader {
  const comments: string[] = [];
  const lines: { text: string; number: number }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#')) comments.push(line.slice(1).trim());
    else if (line !== '') lines.push({ text: line, number: index + 1 });
  });
  const fail = (line: { number: number }, problem: string) =>
    badInput(`line ${line.number} of the multi-segment header: ${problem}`, filePath);
  const recordLine = lines[0];
  if (recordLine === undefined) throw badInput('not a WFDB header: it has no record line', filePath);
  const [nameField = '', nsigField = '', fsField = '', samplesField] = recordLine.text.split(/\s+/);
  const [record = '', segmentsField = ''] = nameField.split('/');
  if (!/^\d+$/.test(segmentsField) || Number(segmentsField) < 1 || Number(segmentsField) > MAX_SEGMENTS)
    throw fail(
      recordLine,
      `the segment count must be an integer from 1 to ${MAX_SEGMENTS}, got "${segmentsField}"`,
    );
  if (!/^\d+$/.test(nsigField))
    throw fail(recordLine, `the number of signals must be an integer, got "${nsigField}"`);
  const fs = Number(fsField.split('/')[0]);
  if (!(fs > 0 && fs <= 1e9))
    throw fail(recordLine, `the sampling frequency must be positive, got "${fsField}"`);
  const count = Number(segmentsField);
  const segmentLines = lines.slice(1);
  if (segmentLines.length !== count)
    throw badInput(
      `the header declares ${count} segments but has ${segmentLines.length} segment lines`,
      filePath,
    );
  const segments = segmentLines.map((line) => {
    const [name = '', samples = '', ...rest] = line.text.split(/\s+/);
    if (!SEGMENT_NAME.test(name) || rest.length > 0)
      throw fail(line, `not a segment line: "${line.text.slice(0, 60)}"`);
    if (!/^\d+$/.test(samples))
      throw fail(line, `segment ${name}: the number of samples must be an integer, got "${samples}"`);
    return { name, samples: Number(samples) };
  });
  const total = segments.reduce((s, g) => s + g.samples, 0);
  if (samplesField !== undefined && /^\d+$/.test(samplesField) && Number(samplesField) !== total)
    throw fail(recordLine, `the record has ${samplesField} samples but its segments add up to ${total}`);
  if (total * Math.max(1, Number(nsigField)) > MAX_TOTAL_VALUES)
    throw fail(
      recordLine,
      `${total} samples of ${nsigField} signals are more than this reader holds in memory`,
    );
  return { record, fs, samples: total, signalCount: Number(nsigField), segments, comments };
}

/**
 * The signal names and units of a layout header. Its signal lines name no file ("~") and often format 0 (no
 * samples), which a record header may not use, so only the fields a layout needs are read here: the gain
 * field's units (default mV) and the description (the name).
 */
function parseLayoutSignals(text: string, filePath: string): { names: string[]; units: string[] } {
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const count = Number(lines[0]?.split(/\s+/)[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length - 1 !== count)
    throw badInput(
      `the layout header declares ${lines[0]?.split(/\s+/)[1] ?? 'no'} signals but has ${lines.length - 1} signal lines`,
      filePath,
    );
  const names: string[] = [];
  const units: string[] = [];
  lines.slice(1).forEach((line, k) => {
    const fields = line.split(/\s+/);
    names.push(fields.slice(8).join(' ') || `signal ${k}`);
    units.push(/\/(\S+)$/.exec(fields[2] ?? '')?.[1] ?? 'mV');
  });
  return { names, units };
}

/** Reads the master header of `input` (path without extension or .hea) and tells whether it is multi-segment. */
export function readMaybeMultiSegmentHeader(input: string): {
  multi: boolean;
  text: string;
  source: SourceFile;
  path: string;
} {
  const { dir, record } = resolveRecordPath(input);
  const path = join(dir, `${record}.hea`);
  const { bytes, source } = readSourceFile(path, 'WFDB header', 16 * 1024 * 1024);
  const text = new TextDecoder('latin1').decode(bytes);
  return { multi: isMultiSegmentHeaderText(text), text, source, path };
}

/** Reads a multi-segment record and every segment it names, each segment checked as a record of its own. */
export function readWfdbMultiSegmentRecord(input: string): WfdbMultiSegmentRecord {
  const { text, source, path } = readMaybeMultiSegmentHeader(input);
  const header = parseWfdbMultiSegmentHeader(text, path);
  const dir = dirname(path);
  const files: SourceFile[] = [source];
  const first = header.segments[0];
  let layout: 'fixed' | 'variable' = 'fixed';
  let names: string[];
  let units: string[];
  if (first !== undefined && first.samples === 0 && first.name !== '~') {
    // Variable layout: the layout header lists the signals; it has no samples (and usually no signal file).
    layout = 'variable';
    const layoutPath = join(dir, `${first.name}.hea`);
    const { bytes, source: layoutSource } = readSourceFile(
      layoutPath,
      'WFDB layout header',
      16 * 1024 * 1024,
    );
    files.push(layoutSource);
    ({ names, units } = parseLayoutSignals(new TextDecoder('latin1').decode(bytes), layoutPath));
  } else {
    names = [];
    units = [];
  }
  const signals: Float32Array[] = [];
  const segments: WfdbMultiSegmentRecord['segments'] = [];
  let start = 0;
  const allocate = () => {
    while (signals.length < names.length) signals.push(new Float32Array(header.samples).fill(NaN));
  };
  for (const segment of header.segments) {
    segments.push({ ...segment, start });
    if (segment.name === '~' || segment.samples === 0) {
      start += segment.samples;
      continue;
    }
    const record = readWfdbRecord(join(dir, segment.name));
    files.push(...record.files);
    const segmentPath = record.files[0]?.path;
    if (Math.abs(record.header.fs - header.fs) > 1e-9 * header.fs)
      throw badInput(
        `segment ${segment.name} is sampled at ${record.header.fs} Hz, the record at ${header.fs} Hz`,
        segmentPath,
      );
    if (record.header.samples !== segment.samples)
      throw badInput(
        `segment ${segment.name} has ${record.header.samples} samples; the master header ${path} says ${segment.samples}`,
        segmentPath,
      );
    if (record.header.signals.some((s) => s.samplesPerFrame !== 1))
      throw badInput(
        `segment ${segment.name} is a multi-frequency record, which a multi-segment record may not hold`,
        segmentPath,
      );
    if (layout === 'fixed' && names.length === 0) {
      names = record.header.signals.map((s) => s.name);
      units = record.header.signals.map((s) => s.units);
    }
    allocate();
    record.header.signals.forEach((spec, k) => {
      let target = layout === 'fixed' ? k : names.indexOf(spec.name);
      if (layout === 'fixed' && spec.name !== names[k] && names.includes(spec.name))
        target = names.indexOf(spec.name);
      if (target < 0 || target >= names.length)
        throw badInput(
          `segment ${segment.name} has a signal "${spec.name}" that the record's layout does not list`,
          segmentPath,
        );
      (signals[target] as Float32Array).set(physicalSignal(record, k), start);
    });
    start += segment.samples;
  }
  allocate();
  if (names.length !== header.signalCount)
    throw badInput(
      `the master header declares ${header.signalCount} signals but its segments carry ${names.length}`,
      path,
    );
  return {
    header,
    layout,
    signals: names.map((name, k) => ({ name, units: units[k] ?? '', physical: signals[k] as Float32Array })),
    segments,
    files,
  };
}
