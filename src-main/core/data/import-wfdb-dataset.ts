import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Workspace } from '../store/workspace.js';
import { insertDataset, type DatasetGroup, type SourceFileRow } from '../store/datasets.js';
import { encodeTensorBundle } from '../store/tensor-bundle.js';
import { appendAuditEvent } from '../audit/log.js';
import { badInput } from '../errors.js';
import { newId, utcNow } from '../util/ids.js';
import { sha256Hex } from '../util/hash.js';
import { findSignal, physicalSignal, readWfdbRecord, resolveRecordPath } from './wfdb/record.js';
import { readWfdbAnnotations } from './wfdb/annotations.js';
import { AAMI_CLASSES } from './ecg/aami.js';
import { segmentBeats } from './ecg/segment.js';
import { splitRecords, type SplitSpec } from './ecg-splits.js';
import { throwIfCancelled, type JobContext } from '../jobs/job-context.js';

export const WFDB_IMPORTER_VERSION = 'wfdb-beats/1';

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
}

export interface ImportWfdbResult {
  datasetId: string;
  name: string;
  records: number;
  splits: Record<string, { total: number; classes: Record<string, number>; records: string[] }>;
  skipped: string[];
  warnings: string[];
  dataSha256: string;
}

/** The split codes stored per beat in the dataset bundle. */
export { SPLIT_CODES } from './sample-dataset.js';
import { SPLIT_CODES } from './sample-dataset.js';

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
export function importWfdbDataset(
  workspace: Workspace,
  options: ImportWfdbOptions,
  context: JobContext,
): ImportWfdbResult {
  const lead = options.lead ?? 'MLII';
  const length = options.length ?? 187;
  const targetFs = options.targetFs ?? 360;
  const before = options.before ?? Math.floor((length * 90) / 187);
  const annotator = options.annotator ?? 'atr';
  if (!Number.isInteger(length) || length < 16 || length > 10_000)
    throw badInput(`--window must be an integer from 16 to 10000, got ${length}`);
  if (!Number.isInteger(before) || before < 0 || before >= length)
    throw badInput(`--before must be an integer from 0 to ${length - 1}`);
  if (!(targetFs >= 50 && targetFs <= 10_000))
    throw badInput(`--fs must be between 50 and 10000 Hz, got ${targetFs}`);
  if (!/^[A-Za-z0-9_]+$/.test(annotator))
    throw badInput(`--annotator must be a file extension such as atr, got "${annotator}"`);
  if (options.durationSeconds !== undefined && !(options.durationSeconds >= 1))
    throw badInput('--duration must be at least 1 second');
  const name = options.name.trim();
  if (name === '' || name.length > 200) throw badInput('--name must be 1 to 200 characters');

  const refs = discoverRecords(options.inputs);
  const recordNames = refs.map((r) => r.record);
  const duplicates = recordNames.filter((r, i) => recordNames.indexOf(r) !== i);
  if (duplicates.length > 0)
    throw badInput(`record ${duplicates[0]} is given twice (from two folders); records must be unique`);
  const split = splitRecords(recordNames, options.split);
  const warnings: string[] = [];
  if (split.skipped.length > 0) {
    warnings.push(`records in neither DS1 nor DS2 were skipped: ${split.skipped.join(' ')}`);
    context.log(`warning: ${warnings[warnings.length - 1]}`);
  }
  const used = refs.filter((r) => !split.skipped.includes(r.record));
  if (used.length === 0) throw badInput('no record is left to import after the split');

  const windows: Float32Array[] = [];
  const labels: Uint8Array[] = [];
  const recordIndex: Uint16Array[] = [];
  const splitCode: Uint8Array[] = [];
  const positions: Float64Array[] = [];
  const sources: SourceFileRow[] = [];
  const groups: DatasetGroup[] = [];

  used.forEach((ref, index) => {
    throwIfCancelled(context.signal);
    context.progress(index / used.length, `reading record ${ref.record}`);
    const record = readWfdbRecord(join(ref.dir, ref.record));
    const annotationPath = join(ref.dir, `${ref.record}.${annotator}`);
    if (!existsSync(annotationPath))
      throw badInput(`the reference annotation file is missing (needed for beat labels)`, annotationPath);
    const annotationBytes = readFileSync(annotationPath);
    const allAnnotations = readWfdbAnnotations(annotationPath);
    const limit =
      options.durationSeconds !== undefined ? options.durationSeconds * record.header.fs : Infinity;
    const annotations = allAnnotations.filter((a) => a.sample < limit);
    const signalIndex = findSignal(record, lead);
    const spec = record.header.signals[signalIndex];
    const fs = record.header.fs * (spec?.samplesPerFrame ?? 1);
    const beats = segmentBeats(physicalSignal(record, signalIndex), fs, annotations, {
      length,
      targetFs,
      before,
    });
    const n = beats.labels.length;
    if (n === 0) warnings.push(`record ${ref.record} has no beat that fits a window; it adds nothing`);
    const splitName = split.test.includes(ref.record) ? 'test' : 'train';
    windows.push(beats.windows);
    labels.push(beats.labels);
    recordIndex.push(new Uint16Array(n).fill(index));
    splitCode.push(new Uint8Array(n).fill(SPLIT_CODES[splitName]));
    positions.push(beats.samples);
    for (const file of record.files)
      sources.push({ record: ref.record, path: file.path, size: file.size, sha256: file.sha256 });
    sources.push({
      record: ref.record,
      path: annotationPath,
      size: annotationBytes.byteLength,
      sha256: sha256Hex(annotationBytes),
    });
    const classCounts = Object.fromEntries(
      AAMI_CLASSES.map((c, k) => [c, beats.labels.filter((l) => l === k).length]),
    );
    groups.push({ name: ref.record, split: splitName, samples: n, classCounts });
  });

  const concat = <T extends Float32Array | Uint8Array | Uint16Array | Float64Array>(
    parts: T[],
    make: (n: number) => T,
  ): T => {
    const out = make(parts.reduce((s, p) => s + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part as never, offset);
      offset += part.length;
    }
    return out;
  };
  const bundle = encodeTensorBundle(
    {
      windows: concat(windows, (n) => new Float32Array(n)),
      labels: concat(labels, (n) => new Uint8Array(n)),
      record: concat(recordIndex, (n) => new Uint16Array(n)),
      split: concat(splitCode, (n) => new Uint8Array(n)),
      position: concat(positions, (n) => new Float64Array(n)),
    },
    {
      kind: 'ecg-beats',
      classes: [...AAMI_CLASSES],
      records: used.map((r) => r.record),
      length,
      before,
      fs: targetFs,
      lead,
      units: 'mV',
      preprocessing: 'standardize-per-beat',
    },
  );

  const splits: ImportWfdbResult['splits'] = {};
  for (const group of groups) {
    const entry = (splits[group.split] ??= {
      total: 0,
      classes: Object.fromEntries(AAMI_CLASSES.map((c) => [c, 0])),
      records: [],
    });
    entry.total += group.samples;
    entry.records.push(group.name);
    for (const [c, k] of Object.entries(group.classCounts)) entry.classes[c] = (entry.classes[c] ?? 0) + k;
  }
  const totalBeats = groups.reduce((s, g) => s + g.samples, 0);
  if (totalBeats === 0) throw badInput('the records hold no beat annotation that maps to an AAMI class');

  throwIfCancelled(context.signal);
  const datasetId = newId('ds');
  // Identical imports share one bundle file: only a file this import created may be removed on failure.
  const wasStored = workspace.artifacts.has(sha256Hex(bundle));
  const stored = workspace.artifacts.put(bundle);
  const params = {
    inputs: options.inputs,
    split: options.split,
    lead,
    length,
    before,
    targetFs,
    annotator,
    ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
  };
  const summary = { splits, records: used.length, beats: totalBeats, warnings, classes: [...AAMI_CLASSES] };
  try {
    workspace.db.transaction(() => {
      insertDataset(
        workspace.db,
        {
          id: datasetId,
          name,
          kind: 'ecg-beats',
          createdAt: utcNow(),
          importerVersion: WFDB_IMPORTER_VERSION,
          params,
          summary,
          dataSha256: stored.sha256,
        },
        sources,
        groups,
      );
      appendAuditEvent(workspace.db, {
        action: 'dataset.import',
        entityType: 'dataset',
        entityId: datasetId,
        payload: {
          params: { ...params, name, importer: WFDB_IMPORTER_VERSION },
          sources: sources.map((s) => ({ path: s.path, sha256: s.sha256, size: s.size })),
          outputs: [{ role: 'dataset-bundle', sha256: stored.sha256 }],
          result: {
            beats: totalBeats,
            records: used.length,
            splits: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v.total])),
          },
        },
      });
    })();
  } catch (error) {
    if (!wasStored) workspace.artifacts.remove(stored.sha256);
    throw error;
  }
  context.progress(1, 'imported');
  return {
    datasetId,
    name,
    records: used.length,
    splits,
    skipped: split.skipped,
    warnings,
    dataSha256: stored.sha256,
  };
}
