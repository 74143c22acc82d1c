import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { findSignal, physicalSignal, readWfdbRecord, resolveRecordPath } from '../../data/wfdb/record.js';
import { readMaybeMultiSegmentHeader, readWfdbMultiSegmentRecord } from '../../data/wfdb/multi-segment.js';
import { readWfdbAnnotations } from '../../data/wfdb/annotations.js';
import type { SplitSpec } from '../../data/ecg-splits.js';
import {
  beatWindowOptions,
  planSplit,
  storeBeatDataset,
  type AnnotatedRecording,
  type BeatDatasetResult,
  type BeatPreset,
} from './beat-dataset-builder.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';

import { WFDB_IMPORTER_VERSION } from '../../data/ecg/importer-versions.js';

export { WFDB_IMPORTER_VERSION };

export interface ImportWfdbOptions {
  inputs: string[];
  name: string;
  split: SplitSpec;
  lead?: string;
  length?: number;
  before?: number;
  targetFs?: number;
  annotator?: string;
  /** Use only the first this-many seconds of each record (quick trials); the whole record when absent. */
  durationSeconds?: number;
  preset?: BeatPreset;
}

export type ImportWfdbResult = BeatDatasetResult;

/** The split codes stored per beat in the dataset bundle. */
export { SPLIT_CODES } from '../../data/sample-dataset.js';

/** Expands folders into their records (one per .hea file), keeping the user's order and dropping duplicates. */
export function discoverRecords(inputs: string[]): { dir: string; record: string }[] {
  if (inputs.length === 0) throw badInput('import wfdb needs at least one folder or record path');
  const found = new Map<string, { dir: string; record: string }>();
  for (const input of inputs) {
    const path = resolve(input);
    if (existsSync(path) && statSync(path).isDirectory()) {
      const headers = readdirSync(path)
        .filter((f) => f.endsWith('.hea'))
        .sort();
      if (headers.length === 0) throw badInput('the folder holds no WFDB header (.hea) file', path);
      for (const header of headers) {
        const record = header.slice(0, -4);
        found.set(join(path, record), { dir: path, record });
      }
    } else {
      const ref = resolveRecordPath(input);
      found.set(join(ref.dir, ref.record), ref);
    }
  }
  return [...found.values()];
}

/**
 * Imports annotated WFDB records as a beat-classification dataset: every reference beat becomes a window of the
 * chosen lead around its R peak, labelled with its AAMI class, assigned to train or test by whole record.
 * Everything is read and checked before anything is stored; the store then changes in one transaction.
 */
/** The chosen lead of a single- or multi-segment record in physical units (NaN in a multi-segment gap). */
function readLead(path: string, lead: string) {
  if (readMaybeMultiSegmentHeader(path).multi) {
    const record = readWfdbMultiSegmentRecord(path);
    const names = record.signals.map((s) => s.name);
    let index = names.indexOf(lead);
    if (index < 0) index = names.findIndex((n) => n.toLowerCase() === lead.toLowerCase());
    const signal = record.signals[index];
    if (signal === undefined)
      throw badInput(
        `record ${record.header.record} has no signal named ${JSON.stringify(lead)} (it has ${names.map((n) => JSON.stringify(n)).join(', ')})`,
        record.files[0]?.path,
      );
    return { signal: signal.physical, frameRate: record.header.fs, samplesPerFrame: 1, files: record.files };
  }
  const record = readWfdbRecord(path);
  const signalIndex = findSignal(record, lead);
  return {
    signal: physicalSignal(record, signalIndex),
    frameRate: record.header.fs,
    samplesPerFrame: record.header.signals[signalIndex]?.samplesPerFrame ?? 1,
    files: record.files,
  };
}

export function importWfdbDataset(
  workspace: Workspace,
  options: ImportWfdbOptions,
  context: JobContext,
): ImportWfdbResult {
  const lead = options.lead ?? 'MLII';
  const windowOptions = beatWindowOptions(options);
  const annotator = options.annotator ?? 'atr';
  if (!/^[A-Za-z0-9_]+$/.test(annotator))
    throw badInput(`--annotator must be a file extension such as atr, got "${annotator}"`);
  if (options.durationSeconds !== undefined && !(options.durationSeconds >= 1))
    throw badInput('--duration must be at least 1 second');
  if (options.name.trim() === '' || options.name.trim().length > 200)
    throw badInput('--name must be 1 to 200 characters');

  const refs = discoverRecords(options.inputs);
  const { plan, warnings } = planSplit(
    refs.map((r) => r.record),
    options.split,
    context,
  );
  const used = refs.filter((r) => !plan.skipped.includes(r.record));
  const recordings: AnnotatedRecording[] = used.map((ref, index) => {
    throwIfCancelled(context.signal);
    context.progress((0.9 * index) / used.length, `reading record ${ref.record}`);
    const annotationPath = join(ref.dir, `${ref.record}.${annotator}`);
    if (!existsSync(annotationPath))
      throw badInput(`the reference annotation file is missing (needed for beat labels)`, annotationPath);
    const annotationBytes = readFileSync(annotationPath);
    const leadSignal = readLead(join(ref.dir, ref.record), lead);
    const limit =
      options.durationSeconds !== undefined ? options.durationSeconds * leadSignal.frameRate : Infinity;
    // Annotation times count frames; a signal with several samples per frame is indexed in samples.
    const beats = readWfdbAnnotations(annotationPath)
      .filter((a) => a.sample < limit)
      .map((a) => ({ sample: a.sample * leadSignal.samplesPerFrame, symbol: a.symbol }));
    return {
      record: ref.record,
      signal: leadSignal.signal,
      fs: leadSignal.frameRate * leadSignal.samplesPerFrame,
      beats,
      sources: [
        ...leadSignal.files.map((file) => ({
          record: ref.record,
          path: file.path,
          size: file.size,
          sha256: file.sha256,
        })),
        {
          record: ref.record,
          path: annotationPath,
          size: annotationBytes.byteLength,
          sha256: sha256Hex(annotationBytes),
        },
      ],
    };
  });
  return storeBeatDataset(
    workspace,
    {
      name: options.name,
      importer: WFDB_IMPORTER_VERSION,
      split: options.split,
      lead,
      ...windowOptions,
      ...(options.preset !== undefined ? { preset: options.preset } : {}),
      params: {
        inputs: options.inputs,
        split: options.split,
        annotator,
        ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
      },
    },
    recordings,
    plan.test,
    warnings,
    plan.skipped,
    context,
  );
}
