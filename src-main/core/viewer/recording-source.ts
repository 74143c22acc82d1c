import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Workspace } from '../store/workspace.js';
import { datasetSources, getDataset, type SourceFileRow } from '../store/datasets.js';
import { badInput } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { aamiClassOf } from '../data/ecg/aami.js';
import { readWfdbRecord, physicalSignal } from '../data/wfdb/record.js';
import { readWfdbAnnotations } from '../data/wfdb/annotations.js';
import { readMaybeMultiSegmentHeader, readWfdbMultiSegmentRecord } from '../data/wfdb/multi-segment.js';
import { readEdfRecording } from '../data/edf/edf-recording.js';
import {
  EDF_IMPORTER_VERSION,
  SYNTHETIC_ECG_IMPORTER_VERSION,
  WFDB_IMPORTER_VERSION,
} from '../data/ecg/importer-versions.js';
import { syntheticHeartRate } from '../data/ecg/synthetic-heart-rate.js';
import { synthesizeEcg } from '../data/ecg/synthetic-ecg.js';
import { deriveSeed } from '../engine/seed.js';

/** A whole recording as the record viewer shows it: every lead at one rate, and its annotations. */
export interface Recording {
  record: string;
  fs: number;
  leads: { name: string; units: string; signal: Float32Array }[];
  /** Annotations at `fs`: beats with their AAMI class, and the others (rhythm changes, noise marks). */
  annotations: { sample: number; symbol: string; aami: string | null; aux?: string }[];
}

/** Checks that a file read now is the one the import hashed; the viewer must show what was validated. */
function checkUnchanged(stored: SourceFileRow[], path: string, sha256: string): void {
  const row = stored.find((s) => s.path === path);
  if (row !== undefined && row.sha256 !== sha256)
    throw badInput(
      `the file changed since it was imported (SHA-256 ${sha256.slice(0, 12)}..., imported as ${row.sha256.slice(0, 12)}...)`,
      path,
    );
}

function annotate(beats: { sample: number; symbol: string; aux?: string }[]): Recording['annotations'] {
  return beats.map((a) => ({
    sample: a.sample,
    symbol: a.symbol,
    aami: aamiClassOf(a.symbol) ?? null,
    ...(a.aux !== undefined && a.aux !== '' ? { aux: a.aux } : {}),
  }));
}

function openWfdb(record: string, sources: SourceFileRow[]): Recording {
  const header = sources.find((s) => basename(s.path) === `${record}.hea`);
  // The importer stores the annotation file last, after the record's own files.
  const annotation = sources[sources.length - 1];
  if (header === undefined || annotation === undefined || annotation === header)
    throw badInput(`the import of record ${record} lists no header and annotation file`);
  const base = join(dirname(header.path), record);
  const leads: Recording['leads'] = [];
  let fs: number;
  if (readMaybeMultiSegmentHeader(base).multi) {
    const multi = readWfdbMultiSegmentRecord(base);
    multi.files.forEach((f) => checkUnchanged(sources, f.path, f.sha256));
    fs = multi.header.fs;
    for (const s of multi.signals) leads.push({ name: s.name, units: s.units, signal: s.physical });
  } else {
    const wfdb = readWfdbRecord(base);
    wfdb.files.forEach((f) => checkUnchanged(sources, f.path, f.sha256));
    fs = wfdb.header.fs;
    // Leads at the frame rate; a multi-frequency record's faster signals are left out of the strip.
    wfdb.header.signals.forEach((spec, k) => {
      if (spec.samplesPerFrame === 1)
        leads.push({ name: spec.name, units: spec.units, signal: physicalSignal(wfdb, k) });
    });
  }
  const bytes = readAnnotationBytes(annotation.path);
  checkUnchanged(sources, annotation.path, sha256Hex(bytes));
  return { record, fs, leads, annotations: annotate(readWfdbAnnotations(annotation.path)) };
}

function readAnnotationBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw badInput('the annotation file of this record is gone since it was imported', path);
  }
}

function openEdf(record: string, sources: SourceFileRow[], params: Record<string, unknown>): Recording {
  const edf = sources.find((s) => /\.edf$/i.test(s.path));
  if (edf === undefined) throw badInput(`the import of record ${record} lists no EDF file`);
  const beatsDir =
    typeof params['beats'] === 'string' && params['beats'] !== 'edf+ annotations'
      ? params['beats']
      : undefined;
  const lead =
    typeof params['lead'] === 'string' && params['lead'] !== 'first ECG signal' ? params['lead'] : undefined;
  const read = readEdfRecording(edf.path, {
    ...(lead !== undefined ? { lead } : {}),
    ...(beatsDir !== undefined ? { beatsDir } : {}),
  });
  read.sources.forEach((f) => checkUnchanged(sources, f.path, f.sha256));
  return {
    record,
    fs: read.fs,
    leads: [{ name: lead ?? 'ECG', units: 'mV', signal: read.signal }],
    annotations: annotate(read.beats),
  };
}

function openSynthetic(record: string, sources: SourceFileRow[], params: Record<string, unknown>): Recording {
  const seed = deriveSeed(Number(params['seed']), 'synthetic-record', record);
  const ecg = synthesizeEcg({
    seconds: Number(params['seconds']),
    fs: 360,
    heartRate: syntheticHeartRate(seed),
    seed,
    ...(params['ectopy'] !== undefined ? { ectopy: params['ectopy'] as Record<string, number> } : {}),
    ...(typeof params['noise'] === 'number' ? { noise: params['noise'] } : {}),
  });
  const source = sources[0];
  const bytes = new Uint8Array(ecg.signal.buffer, ecg.signal.byteOffset, ecg.signal.byteLength);
  if (source !== undefined) checkUnchanged(sources, source.path, sha256Hex(bytes));
  return {
    record,
    fs: ecg.fs,
    leads: [{ name: 'synthetic', units: 'mV', signal: ecg.signal }],
    annotations: annotate(ecg.beats),
  };
}

/**
 * Opens one record of an imported ECG dataset as a continuous recording: the source files are read again from
 * where they were imported and must still have the SHA-256 they had then (the dataset itself keeps only beat
 * windows). Synthetic records are generated again from their seed. Datasets that never had a continuous
 * recording (one row per beat) cannot be shown as strips.
 */
export function openRecording(workspace: Workspace, datasetId: string, record: string): Recording {
  const row = getDataset(workspace.db, datasetId);
  const sources = datasetSources(workspace.db, datasetId).filter((s) => s.record === record);
  const readers = [WFDB_IMPORTER_VERSION, EDF_IMPORTER_VERSION, SYNTHETIC_ECG_IMPORTER_VERSION];
  if (!readers.includes(row.importerVersion))
    throw badInput(
      `dataset ${datasetId} was imported by ${row.importerVersion}, which keeps beats only: there is no continuous recording to show`,
    );
  const known = (row.summary['splits'] as Record<string, { records?: string[] }> | undefined) ?? {};
  if (!Object.values(known).some((s) => s.records?.includes(record)))
    throw badInput(`dataset ${datasetId} has no record "${record}"`);
  switch (row.importerVersion) {
    case WFDB_IMPORTER_VERSION:
      return openWfdb(record, sources);
    case EDF_IMPORTER_VERSION:
      return openEdf(record, sources, row.params);
    default:
      return openSynthetic(record, sources, row.params);
  }
}
