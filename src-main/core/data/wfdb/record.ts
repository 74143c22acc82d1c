import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { parseWfdbHeader, WFDB_DEFAULT_GAIN, type WfdbHeader } from './header.js';
import { readWfdbSignals } from './signals.js';
import { readSourceFile, type SourceFile } from './source-file.js';

export type { SourceFile } from './source-file.js';

export interface WfdbRecord {
  header: WfdbHeader;
  /** One array per signal holding all its samples (frames x samplesPerFrame), in ADC units. */
  digital: Int32Array[];
  /** Every file read (the header first, then the signal files), with its SHA-256. */
  files: SourceFile[];
}

/** A real header is a few kilobytes; this refuses a mistaken multi-megabyte file before reading it. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** Splits "dir/100" or "dir/100.hea" into the record's folder and name, touching no file. */
export function splitRecordPath(input: string): { dir: string; record: string } {
  const path = resolve(input);
  const name = basename(path);
  return { dir: dirname(path), record: name.endsWith('.hea') ? name.slice(0, -4) : name };
}

/**
 * The folder and name of the record at "dir/100" or "dir/100.hea"; bad input naming the path when there is no
 * such header (a missing folder, a folder given instead of a record, a record without its .hea).
 */
export function resolveRecordPath(input: string): { dir: string; record: string } {
  const { dir, record } = splitRecordPath(input);
  const path = join(dir, `${record}.hea`);
  if (!existsSync(path)) {
    if (!existsSync(dir)) throw badInput(`no such folder (looking for WFDB record ${record})`, dir);
    if (existsSync(resolve(input)) && statSync(resolve(input)).isDirectory())
      throw badInput(
        'expected a WFDB record (the path without extension, or its .hea file), found a folder',
        resolve(input),
      );
    throw badInput(`the WFDB header of record ${record} does not exist`, path);
  }
  return { dir, record };
}

/** Header text is ASCII in practice; some headers carry Latin-1 units (a µ or ° byte), read as such. */
function decodeHeaderText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** Reads and parses a record's .hea file (see resolveRecordPath for the messages when it is missing). */
export function readWfdbHeaderFile(input: string): { header: WfdbHeader; path: string; source: SourceFile } {
  const { dir, record } = resolveRecordPath(input);
  const path = join(dir, `${record}.hea`);
  const { bytes, source } = readSourceFile(path, 'WFDB header', MAX_HEADER_BYTES);
  return { header: parseWfdbHeader(decodeHeaderText(bytes), path), path, source };
}

/**
 * Reads a WFDB record: header and every signal file, each hashed, every signal checked against its checksum.
 * Any problem is a bad-input error naming the file.
 */
export function readWfdbRecord(input: string): WfdbRecord {
  const { header, path, source } = readWfdbHeaderFile(input);
  const signals = readWfdbSignals(header, dirname(path), path);
  return {
    header: { ...header, samples: signals.frames },
    digital: signals.digital,
    files: [source, ...signals.files],
  };
}

/**
 * The signal in physical units: (digital - baseline) / gain. A gain of 0 means "uncalibrated" in WFDB and is
 * converted with WFDB's default gain of 200, as the WFDB library does. WFDB's invalid-sample marker is not
 * treated specially: the caller sees the converted value.
 */
export function physicalSignal(record: WfdbRecord, signalIndex: number): Float32Array {
  const spec = record.header.signals[signalIndex];
  const digital = record.digital[signalIndex];
  if (spec === undefined || digital === undefined)
    throw badInput(
      `record ${record.header.record} has no signal ${signalIndex} (it has ${record.header.signals.length})`,
      record.files[0]?.path,
    );
  const gain = spec.gain === 0 ? WFDB_DEFAULT_GAIN : spec.gain;
  const baseline = spec.baseline;
  const out = new Float32Array(digital.length);
  for (let i = 0; i < digital.length; i++) out[i] = (digital[i]! - baseline) / gain;
  return out;
}

/** The index of the signal with this name (exact match, then case-insensitive); bad input when absent. */
export function findSignal(record: WfdbRecord, name: string): number {
  const names = record.header.signals.map((s) => s.name);
  let index = names.indexOf(name);
  if (index < 0) index = names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
  if (index < 0)
    throw badInput(
      `record ${record.header.record} has no signal named ${JSON.stringify(name)} (it has ${names.map((n) => JSON.stringify(n)).join(', ') || 'no signal'})`,
      record.files[0]?.path,
    );
  return index;
}
