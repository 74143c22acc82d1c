import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { countAamiBeats } from '../ecg/aami.js';
import { readWfdbAnnotationFile } from './annotations.js';
import { checkChecksum, sampleSums } from './checksum.js';
import type { WfdbHeader, WfdbSignalSpec } from './header.js';
import { readWfdbHeaderFile, splitRecordPath } from './record.js';
import { readMaybeMultiSegmentHeader, readWfdbMultiSegmentRecord } from './multi-segment.js';
import { groupSignalFiles, readWfdbSignals } from './signals.js';
import type { SourceFile } from './source-file.js';

/**
 * Annotation files looked for beside a record, in order: the reference annotations (.atr) first, then machine
 * QRS detections (.qrs), as in wfdb-formats/100 which ships only 100.qrs. The first one present is reported.
 */
export const ANNOTATION_EXTENSIONS = ['atr', 'qrs'] as const;

const FIRST_SAMPLES = 10;

/** The record (path without extension) whose header in the same folder lists this signal file, if any. */
export function recordOfSignalFile(path: string): string | undefined {
  const dir = dirname(path);
  const name = basename(path);
  const headers = readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .sort();
  for (const header of headers) {
    try {
      const { header: parsed } = readWfdbHeaderFile(join(dir, header));
      if (parsed.signals.some((signal) => signal.fileName === name)) return join(dir, header.slice(0, -4));
    } catch {
      // A header that does not parse names no file; the user asked about another one.
    }
  }
  return undefined;
}

/** Finds the annotation file of a record, if any (see ANNOTATION_EXTENSIONS). */
export function findAnnotationFile(dir: string, record: string): string | undefined {
  return ANNOTATION_EXTENSIONS.map((ext) => join(dir, `${record}.${ext}`)).find((p) => existsSync(p));
}

function describeAnnotations(path: string, files: SourceFile[]) {
  const read = readWfdbAnnotationFile(path);
  files.push(read.source);
  const symbols: Record<string, number> = {};
  for (const a of read.annotations) symbols[a.symbol] = (symbols[a.symbol] ?? 0) + 1;
  return {
    file: basename(path),
    count: read.annotations.length,
    beats: countAamiBeats(read.annotations.map((a) => a.symbol)),
    symbols,
    firstSample: read.annotations[0]?.sample ?? null,
    lastSample: read.annotations[read.annotations.length - 1]?.sample ?? null,
    ...(read.fs !== undefined ? { fs: read.fs } : {}),
    ...(read.definitions.length > 0 ? { definitions: read.definitions } : {}),
  };
}

function describeSpec(spec: WfdbSignalSpec) {
  return {
    name: spec.name,
    file: spec.fileName,
    format: spec.format,
    samplesPerFrame: spec.samplesPerFrame,
    skew: spec.skew,
    byteOffset: spec.byteOffset,
    gain: spec.gain,
    baseline: spec.baseline,
    units: spec.units,
    adcResolution: spec.adcResolution,
    adcZero: spec.adcZero,
    initialValue: spec.initialValue,
    blockSize: spec.blockSize,
  };
}

function describeHeader(header: WfdbHeader) {
  return {
    ...(header.baseTime !== undefined ? { baseTime: header.baseTime } : {}),
    ...(header.baseDate !== undefined ? { baseDate: header.baseDate } : {}),
    comments: header.comments,
  };
}

/**
 * What `attest inspect` shows for a WFDB record: the header, per signal the checksum check, the sum, sum of
 * squares and first samples of the digital values (to compare with other WFDB readers), and the annotation
 * counts by AAMI class. `input` is the record path without extension, its .hea file, or an .atr/.qrs file.
 * A record whose signal files are absent but which has annotations (wfdb-formats 1003), or which is only an
 * annotation file (wfdb-formats 100.qrs, huge.qrs), is reported with its annotations alone and a warning.
 */
export function inspectWfdb(input: string): object {
  const path = resolve(input);
  const ext = extname(path).slice(1);
  const isFile = existsSync(path) && statSync(path).isFile();
  const files: SourceFile[] = [];
  const warnings: string[] = [];

  if (isFile && (ANNOTATION_EXTENSIONS as readonly string[]).includes(ext)) {
    return {
      format: 'wfdb',
      record: basename(path, `.${ext}`),
      annotations: describeAnnotations(path, files),
      files,
      warnings,
    };
  }
  if (isFile && ext !== 'hea') {
    // A signal file given by itself (100.dat, binformats.d3): inspect the record whose header names it.
    const owner = recordOfSignalFile(path);
    if (owner === undefined)
      throw badInput(
        'not a WFDB record: give the record path without extension, its .hea file, or an .atr/.qrs file (no header in this folder names this file)',
        path,
      );
    return { ...inspectWfdb(owner), requestedFile: basename(path) };
  }

  const { dir, record } = splitRecordPath(input);
  const annotationPath = findAnnotationFile(dir, record);
  if (!existsSync(join(dir, `${record}.hea`)) && annotationPath !== undefined) {
    warnings.push(`record ${record} has no header (${record}.hea): only its annotations are reported`);
    return {
      format: 'wfdb',
      record,
      annotations: describeAnnotations(annotationPath, files),
      files,
      warnings,
    };
  }

  if (readMaybeMultiSegmentHeader(input).multi) return inspectMultiSegment(input, annotationPath);
  const { header, path: headerPath, source } = readWfdbHeaderFile(input);
  files.push(source);
  const missing = groupSignalFiles(header, dirname(headerPath), headerPath).filter(
    (g) => !existsSync(g.path),
  );
  if (missing.length > 0 && annotationPath !== undefined) {
    warnings.push(
      `the signal file${missing.length > 1 ? 's' : ''} ${missing.map((g) => g.fileName).join(', ')} ` +
        `of record ${record} ${missing.length > 1 ? 'are' : 'is'} missing: only the header and annotations are reported`,
    );
    return {
      format: 'wfdb',
      record: header.record,
      fs: header.fs,
      samples: header.samples,
      ...describeHeader(header),
      signals: header.signals.map((spec) => ({
        ...describeSpec(spec),
        checksum: { expected: spec.checksum ?? null },
        missing: missing.some((g) => g.fileName === spec.fileName),
      })),
      annotations: describeAnnotations(annotationPath, files),
      files,
      warnings,
    };
  }

  const data = readWfdbSignals(header, dirname(headerPath), headerPath);
  files.push(...data.files);
  const signals = header.signals.map((spec, index) => {
    const digital = data.digital[index]!;
    const check = checkChecksum(digital, spec.checksum);
    return {
      ...describeSpec(spec),
      samples: digital.length,
      checksum: { expected: spec.checksum ?? null, actual: check.actual, ok: check.ok },
      ...sampleSums(digital),
      first: Array.from(digital.subarray(0, FIRST_SAMPLES)),
    };
  });
  return {
    format: 'wfdb',
    record: header.record,
    fs: header.fs,
    samples: data.frames,
    durationSeconds: data.frames / header.fs,
    ...describeHeader(header),
    signals,
    annotations: annotationPath !== undefined ? describeAnnotations(annotationPath, files) : null,
    files,
    warnings,
  };
}

/** Physical summary of a signal with gaps (NaN): the samples present, their range and mean. */
function physicalSummary(values: Float32Array) {
  let present = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    present++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return present === 0
    ? { present, missing: values.length, min: null, max: null, mean: null, first: [] }
    : {
        present,
        missing: values.length - present,
        min,
        max,
        mean: sum / present,
        first: Array.from(values.subarray(0, FIRST_SAMPLES), (v) => (Number.isNaN(v) ? null : v)),
      };
}

/** inspectWfdb for a multi-segment record: the segments, and each signal in physical units across them. */
function inspectMultiSegment(input: string, annotationPath: string | undefined): object {
  const record = readWfdbMultiSegmentRecord(input);
  const files = [...record.files];
  return {
    format: 'wfdb',
    record: record.header.record,
    fs: record.header.fs,
    samples: record.header.samples,
    durationSeconds: record.header.samples / record.header.fs,
    multiSegment: { layout: record.layout, segments: record.segments },
    comments: record.header.comments,
    signals: record.signals.map((s) => ({
      name: s.name,
      units: s.units,
      samples: s.physical.length,
      physical: physicalSummary(s.physical),
    })),
    annotations: annotationPath !== undefined ? describeAnnotations(annotationPath, files) : null,
    files,
    warnings: [],
  };
}
