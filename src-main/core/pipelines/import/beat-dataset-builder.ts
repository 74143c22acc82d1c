import type { Workspace } from '../../store/workspace.js';
import { type DatasetGroup, type SourceFileRow } from '../../store/datasets.js';
import { encodeTensorBundle } from '../../store/tensor-bundle.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { sha256Hex } from '../../util/hash.js';
import type { WfdbAnnotation } from '../../data/wfdb/annotations.js';
import type { AnnotatedRecording } from '../../data/ecg/annotated-recording.js';
import { AAMI_CLASSES } from '../../data/ecg/aami.js';
import { segmentBeats, type BeatWindows } from '../../data/ecg/segment.js';
import { dataSufficiencyWarnings, ECG_RECORDS } from '../../data/data-sufficiency.js';
import { rrFeatures } from '../../data/ecg/rr-features.js';
import { aamiClassOf } from '../../data/ecg/aami.js';
import { KACHUEE_FS, KACHUEE_LENGTH, segmentKachuee2018 } from '../../data/ecg/kachuee2018.js';
import { BY_BEAT_WARNING, splitRecords, type SplitSpec } from '../../data/ecg-splits.js';
import { createRng, deriveSeed } from '../../engine/seed.js';
import { SPLIT_CODES } from '../../data/sample-dataset.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { persistDataset } from '../../persist/persist-dataset.js';

export type { AnnotatedRecording };

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
  /** How beats become model inputs: 'standardize-per-beat' (default), 'kachuee2018' (see ecg/kachuee2018.ts) or
   * 'record-normalized-rr' (per-record amplitude scale plus each beat's R-R context: see ecg/rr-features.ts). */
  preset?: BeatPreset;
}

export const BEAT_PRESETS = ['standardize-per-beat', 'kachuee2018', 'record-normalized-rr'] as const;
export type BeatPreset = (typeof BEAT_PRESETS)[number];

export function parseBeatPreset(text: string): BeatPreset {
  if (!(BEAT_PRESETS as readonly string[]).includes(text))
    throw badInput(`--preset must be one of ${BEAT_PRESETS.join(', ')}, got "${text}"`);
  return text as BeatPreset;
}

export interface BeatDatasetResult {
  datasetId: string;
  name: string;
  records: number;
  splits: Record<string, { total: number; classes: Record<string, number>; records: string[] }>;
  skipped: string[];
  warnings: string[];
  /** Split problems with their remedy (a class on one side only, too few records): see data-sufficiency.ts. */
  dataSufficiency: string[];
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

/** One record's (or file's) beats, ready to store: windows back to back with their labels and sides. */
export interface BeatBlock {
  record: string;
  windows: Float32Array;
  labels: Uint8Array;
  split: Uint8Array;
  /** Sample index of each beat's R peak in the source, when known (NaN otherwise). */
  positions: Float64Array;
  /** The 'record-normalized-rr' preset: each beat's R-R features (RR_FEATURE_COUNT values per beat). */
  rr?: Float32Array;
  /** 'train', 'test', or 'both' when beats of this record are on both sides. */
  side: string;
  sources: SourceFileRow[];
}

export interface BeatBundleFacts {
  name: string;
  importer: string;
  params: Record<string, unknown>;
  classes: readonly string[];
  length: number;
  before: number;
  fs: number;
  lead: string;
  units: string;
  /** The preset the windows were made with; model inputs are standardized per beat unless it says otherwise. */
  preprocessing?: BeatPreset;
}

/**
 * Segments every recording's beats into windows around the R peak, labels them with AAMI classes, and stores the
 * dataset (see storeBeatBlocks). Recordings are read by the caller first, so that nothing is stored when one of
 * them is bad.
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
  const kachuee = options.preset === 'kachuee2018';
  const withRr = options.preset === 'record-normalized-rr';
  // The preset fixes the window (importers pass their window defaults along; the CLI refuses explicit ones).
  const { length, before, targetFs } = kachuee
    ? { length: KACHUEE_LENGTH, before: 0, targetFs: KACHUEE_FS }
    : beatWindowOptions(options);
  const blocks: BeatBlock[] = recordings.map((recording) => {
    throwIfCancelled(context.signal);
    const beats: BeatWindows & { skippedWithoutInterval?: number } = kachuee
      ? segmentKachuee2018(recording.signal, recording.fs, recording.beats)
      : segmentBeats(recording.signal, recording.fs, recording.beats as WfdbAnnotation[], {
          length,
          targetFs,
          before,
        });
    if (beats.skippedWithoutInterval !== undefined && beats.skippedWithoutInterval > 0)
      warnings.push(
        `record ${recording.record}: ${beats.skippedWithoutInterval} beats are alone in their 10-second window (no R-R interval) and were left out`,
      );
    const n = beats.labels.length;
    if (beats.skippedInGaps > 0)
      warnings.push(
        `record ${recording.record}: ${beats.skippedInGaps} beats overlap a gap in the signal and were left out`,
      );
    if (n === 0) warnings.push(`record ${recording.record} has no beat that fits a window; it adds nothing`);
    const byBeat = options.split.kind === 'beats' ? options.split : undefined;
    const side = byBeat !== undefined ? 'both' : testRecords.includes(recording.record) ? 'test' : 'train';
    // Seeded per record, so that adding a record leaves the other records' beats where they were.
    const random =
      byBeat !== undefined ? createRng(deriveSeed(byBeat.seed, 'beats', recording.record)) : undefined;
    const split =
      byBeat !== undefined && random !== undefined
        ? Uint8Array.from({ length: n }, () =>
            random() < byBeat.testFraction ? SPLIT_CODES.test : SPLIT_CODES.train,
          )
        : new Uint8Array(n).fill(side === 'test' ? SPLIT_CODES.test : SPLIT_CODES.train);
    // Every annotated beat of the record is a neighbour, also those left out of the windows (at the edges).
    const rr = withRr
      ? rrFeatures(
          recording.beats.filter((b) => aamiClassOf(b.symbol) !== undefined).map((b) => b.sample),
          recording.fs,
          beats.samples,
        )
      : undefined;
    return {
      record: recording.record,
      windows: beats.windows,
      labels: beats.labels,
      split,
      positions: beats.samples,
      side,
      sources: recording.sources,
      ...(rr !== undefined ? { rr } : {}),
    };
  });
  return storeBeatBlocks(
    workspace,
    {
      name: options.name,
      importer: options.importer,
      params: {
        ...options.params,
        lead: options.lead,
        length,
        before,
        targetFs,
        ...(kachuee || withRr ? { preset: options.preset } : {}),
      },
      classes: AAMI_CLASSES,
      length,
      before,
      fs: targetFs,
      lead: options.lead,
      units: kachuee ? 'scaled to [0, 1] per 10-second window' : 'mV',
      ...(kachuee || withRr ? { preprocessing: options.preset } : {}),
    },
    blocks,
    warnings,
    skipped,
    context,
  );
}

/** The beats of every record, concatenated into one tensor bundle with what reads them back. */
function encodeBeatBundle(facts: BeatBundleFacts, blocks: BeatBlock[], withRr: boolean): Uint8Array {
  const windows = blocks.map((b) => b.windows);
  const labels = blocks.map((b) => b.labels);
  const recordIndex = blocks.map((b, index) => new Uint16Array(b.labels.length).fill(index));
  const splitCode = blocks.map((b) => b.split);
  const positions = blocks.map((b) => b.positions);
  return encodeTensorBundle(
    {
      windows: concat(windows, (n) => new Float32Array(n)),
      labels: concat(labels, (n) => new Uint8Array(n)),
      record: concat(recordIndex, (n) => new Uint16Array(n)),
      split: concat(splitCode, (n) => new Uint8Array(n)),
      position: concat(positions, (n) => new Float64Array(n)),
      ...(withRr
        ? {
            rr: concat(
              blocks.map((b) => b.rr as Float32Array),
              (n) => new Float32Array(n),
            ),
          }
        : {}),
    },
    {
      kind: 'ecg-beats',
      classes: [...facts.classes],
      records: blocks.map((b) => b.record),
      length: facts.length,
      before: facts.before,
      fs: facts.fs,
      lead: facts.lead,
      units: facts.units,
      preprocessing: facts.preprocessing ?? 'standardize-per-beat',
    },
  );
}

/** Beats per side and class, and the records on each side, from the beats themselves (a record split by beat is on both sides). */
function countSplits(blocks: BeatBlock[], classes: readonly string[]): BeatDatasetResult['splits'] {
  const splits: BeatDatasetResult['splits'] = {};
  blocks.forEach((block) => {
    for (const side of ['train', 'test'] as const) {
      const code = SPLIT_CODES[side];
      if (!block.split.includes(code)) continue;
      const entry = (splits[side] ??= {
        total: 0,
        classes: Object.fromEntries(classes.map((c) => [c, 0])),
        records: [],
      });
      entry.records.push(block.record);
      block.labels.forEach((label, i) => {
        if (block.split[i] !== code) return;
        entry.total++;
        const className = classes[label] as string;
        entry.classes[className] = (entry.classes[className] ?? 0) + 1;
      });
    }
  });
  return splits;
}

/**
 * Stores beat windows as an 'ecg-beats' dataset: the bundle in the artifact store, the dataset row with its
 * hashed source files and per-record groups, and the audit event, in one transaction.
 */
export function storeBeatBlocks(
  workspace: Workspace,
  facts: BeatBundleFacts,
  blocks: BeatBlock[],
  warnings: string[],
  skipped: string[],
  context: JobContext,
): BeatDatasetResult {
  const name = facts.name.trim();
  if (name === '' || name.length > 200) throw badInput('--name must be 1 to 200 characters');
  const { classes } = facts;
  const withRr = facts.preprocessing === 'record-normalized-rr';
  if (withRr && blocks.some((b) => b.rr === undefined))
    throw badInput('the record-normalized-rr preset needs the R-R features of every beat');
  const sources = blocks.flatMap((b) => b.sources);
  const groups: DatasetGroup[] = blocks.map((b) => ({
    name: b.record,
    split: b.side,
    samples: b.labels.length,
    classCounts: Object.fromEntries(classes.map((c, k) => [c, b.labels.filter((l) => l === k).length])),
  }));
  const bundle = encodeBeatBundle(facts, blocks, withRr);
  const splits = countSplits(blocks, classes);
  const totalBeats = groups.reduce((s, g) => s + g.samples, 0);
  if (totalBeats === 0) throw badInput('the records hold no beat annotation that maps to an AAMI class');
  const side = (k: 'train' | 'test') =>
    splits[k] !== undefined ? { classes: splits[k].classes, groups: splits[k].records.length } : undefined;
  // Kept apart from the import warnings: they concern the split, and the wizard shows them with their remedy.
  const dataSufficiency = dataSufficiencyWarnings({ train: side('train'), test: side('test') }, ECG_RECORDS);
  for (const warning of dataSufficiency) context.log(`warning: ${warning}`);

  throwIfCancelled(context.signal);
  const datasetId = newId('ds');
  // Identical imports share one bundle file: only a file this import created may be removed on failure.
  const wasStored = workspace.artifacts.has(sha256Hex(bundle));
  const stored = workspace.artifacts.put(bundle);
  const params = facts.params;
  const summary = {
    splits,
    records: blocks.length,
    beats: totalBeats,
    warnings,
    dataSufficiency,
    classes: [...classes],
  };
  persistDataset(
    workspace,
    { sha256: stored.sha256, createdNow: !wasStored },
    {
      id: datasetId,
      name,
      kind: 'ecg-beats',
      createdAt: utcNow(),
      importerVersion: facts.importer,
      params,
      summary,
      dataSha256: stored.sha256,
    },
    sources,
    groups,
    {
      beats: totalBeats,
      records: blocks.length,
      splits: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v.total])),
    },
  );
  context.progress(1, 'imported');
  return {
    datasetId,
    name,
    records: blocks.length,
    splits,
    skipped,
    warnings,
    dataSufficiency,
    dataSha256: stored.sha256,
  };
}
