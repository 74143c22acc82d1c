import type { Workspace } from '../store/workspace.js';
import { insertDataset, type DatasetGroup, type SourceFileRow } from '../store/datasets.js';
import { encodeTensorBundle } from '../store/tensor-bundle.js';
import { appendAuditEvent } from '../audit/log.js';
import { badInput } from '../errors.js';
import { newId, utcNow } from '../util/ids.js';
import { sha256Hex } from '../util/hash.js';
import type { WfdbAnnotation } from './wfdb/annotations.js';
import { AAMI_CLASSES } from './ecg/aami.js';
import { segmentBeats } from './ecg/segment.js';
import { BY_BEAT_WARNING, splitRecords, type SplitSpec } from './ecg-splits.js';
import { createRng, deriveSeed } from '../engine/seed.js';
import { SPLIT_CODES } from './sample-dataset.js';
import { throwIfCancelled, type JobContext } from '../jobs/job-context.js';

/** One recording with its beat annotations, read by a format's importer (WFDB, EDF, ...). */
export interface AnnotatedRecording {
  /** Record name: the unit of the split (one patient's recording). */
  record: string;
  /** The chosen lead in mV. */
  signal: Float32Array;
  fs: number;
  /** Beat annotations: sample index at `fs` and the MIT-BIH beat symbol. */
  beats: Pick<WfdbAnnotation, 'sample' | 'symbol'>[];
  sources: SourceFileRow[];
}

export interface BeatDatasetOptions {
  name: string;
  importer: string;
  split: SplitSpec;
  lead: string;
  length?: number;
  before?: number;
  targetFs?: number;
  /** What the importer was asked, recorded in the dataset row and its audit event. */
  params: Record<string, unknown>;
}

export interface BeatDatasetResult {
  datasetId: string;
  name: string;
  records: number;
  splits: Record<string, { total: number; classes: Record<string, number>; records: string[] }>;
  skipped: string[];
  warnings: string[];
  dataSha256: string;
}

export interface BeatWindowOptions {
  length: number;
  before: number;
  targetFs: number;
}

/** Checks and fills the window options shared by every beat importer. */
export function beatWindowOptions(o: {
  length?: number;
  before?: number;
  targetFs?: number;
}): BeatWindowOptions {
  const length = o.length ?? 187;
  const targetFs = o.targetFs ?? 360;
  const before = o.before ?? Math.floor((length * 90) / 187);
  if (!Number.isInteger(length) || length < 16 || length > 10_000)
    throw badInput(`--window must be an integer from 16 to 10000, got ${length}`);
  if (!Number.isInteger(before) || before < 0 || before >= length)
    throw badInput(`--before must be an integer from 0 to ${length - 1}`);
  if (!(targetFs >= 50 && targetFs <= 10_000))
    throw badInput(`--fs must be between 50 and 10000 Hz, got ${targetFs}`);
  return { length, before, targetFs };
}

/** Decides which records are used and on which side of the split, before any file is read. */
export function planSplit(recordNames: string[], split: SplitSpec, context: JobContext) {
  const duplicates = recordNames.filter((r, i) => recordNames.indexOf(r) !== i);
  if (duplicates.length > 0)
    throw badInput(`record ${duplicates[0]} is given twice (from two folders); records must be unique`);
  const plan = splitRecords(recordNames, split);
  const warnings: string[] = [];
  if (split.kind === 'beats') {
    warnings.push(BY_BEAT_WARNING);
    context.log(`warning: ${BY_BEAT_WARNING}`);
  }
  if (plan.skipped.length > 0) {
    warnings.push(`records in neither DS1 nor DS2 were skipped: ${plan.skipped.join(' ')}`);
    context.log(`warning: ${warnings[warnings.length - 1]}`);
  }
  if (recordNames.length === plan.skipped.length)
    throw badInput('no record is left to import after the split');
  return { plan, warnings };
}

function concat<T extends Float32Array | Uint8Array | Uint16Array | Float64Array>(
  parts: T[],
  make: (n: number) => T,
): T {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part as never, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Segments every recording's beats into windows around the R peak, labels them with AAMI classes, and stores the
 * dataset bundle, its rows (sources with hashes, groups) and the audit event in one transaction. Recordings are
 * read by the caller first, so that nothing is stored when one of them is bad.
 */
export function storeBeatDataset(
  workspace: Workspace,
  options: BeatDatasetOptions,
  recordings: AnnotatedRecording[],
  testRecords: readonly string[],
  warnings: string[],
  skipped: string[],
  context: JobContext,
): BeatDatasetResult {
  const { length, before, targetFs } = beatWindowOptions(options);
  const name = options.name.trim();
  if (name === '' || name.length > 200) throw badInput('--name must be 1 to 200 characters');
  const windows: Float32Array[] = [];
  const labels: Uint8Array[] = [];
  const recordIndex: Uint16Array[] = [];
  const splitCode: Uint8Array[] = [];
  const positions: Float64Array[] = [];
  const sources: SourceFileRow[] = [];
  const groups: DatasetGroup[] = [];
  recordings.forEach((recording, index) => {
    throwIfCancelled(context.signal);
    const beats = segmentBeats(recording.signal, recording.fs, recording.beats as WfdbAnnotation[], {
      length,
      targetFs,
      before,
    });
    const n = beats.labels.length;
    if (n === 0) warnings.push(`record ${recording.record} has no beat that fits a window; it adds nothing`);
    const byBeat = options.split.kind === 'beats' ? options.split : undefined;
    const splitName =
      byBeat !== undefined ? 'both' : testRecords.includes(recording.record) ? 'test' : 'train';
    windows.push(beats.windows);
    labels.push(beats.labels);
    recordIndex.push(new Uint16Array(n).fill(index));
    if (byBeat !== undefined) {
      // Seeded per record, so that adding a record leaves the other records' beats where they were.
      const random = createRng(deriveSeed(byBeat.seed, 'beats', recording.record));
      splitCode.push(
        Uint8Array.from({ length: n }, () =>
          random() < byBeat.testFraction ? SPLIT_CODES.test : SPLIT_CODES.train,
        ),
      );
    } else {
      splitCode.push(new Uint8Array(n).fill(SPLIT_CODES[splitName === 'test' ? 'test' : 'train']));
    }
    positions.push(beats.samples);
    sources.push(...recording.sources);
    const classCounts = Object.fromEntries(
      AAMI_CLASSES.map((c, k) => [c, beats.labels.filter((l) => l === k).length]),
    );
    groups.push({ name: recording.record, split: splitName, samples: n, classCounts });
  });
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
      records: recordings.map((r) => r.record),
      length,
      before,
      fs: targetFs,
      lead: options.lead,
      units: 'mV',
      preprocessing: 'standardize-per-beat',
    },
  );
  const splits: BeatDatasetResult['splits'] = {};
  if (options.split.kind === 'beats') {
    // Counts per side from the beats themselves: every record is on both sides.
    const allLabels = concat(labels, (n) => new Uint8Array(n));
    const allSplits = concat(splitCode, (n) => new Uint8Array(n));
    for (const side of ['train', 'test'] as const) {
      const classes = Object.fromEntries(AAMI_CLASSES.map((c) => [c, 0]));
      let total = 0;
      allLabels.forEach((label, i) => {
        if (allSplits[i] !== SPLIT_CODES[side]) return;
        total++;
        const name = AAMI_CLASSES[label] as string;
        classes[name] = (classes[name] ?? 0) + 1;
      });
      splits[side] = { total, classes, records: recordings.map((r) => r.record) };
    }
  }
  for (const group of options.split.kind === 'beats' ? [] : groups) {
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
  const params = { ...options.params, lead: options.lead, length, before, targetFs };
  const summary = {
    splits,
    records: recordings.length,
    beats: totalBeats,
    warnings,
    classes: [...AAMI_CLASSES],
  };
  try {
    workspace.db.transaction(() => {
      insertDataset(
        workspace.db,
        {
          id: datasetId,
          name,
          kind: 'ecg-beats',
          createdAt: utcNow(),
          importerVersion: options.importer,
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
          params: { ...params, name, importer: options.importer },
          sources: sources.map((s) => ({ path: s.path, sha256: s.sha256, size: s.size })),
          outputs: [{ role: 'dataset-bundle', sha256: stored.sha256 }],
          result: {
            beats: totalBeats,
            records: recordings.length,
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
    records: recordings.length,
    splits,
    skipped,
    warnings,
    dataSha256: stored.sha256,
  };
}
