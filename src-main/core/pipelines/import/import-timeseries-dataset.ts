import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { createRng, deriveSeed } from '../../engine/seed.js';
import { AAMI_CLASSES, aamiClassOf } from '../../data/ecg/aami.js';
import { BY_BEAT_WARNING, type SplitSpec } from '../../data/ecg-splits.js';
import { SPLIT_CODES } from '../../data/sample-dataset.js';
import { parseNumericCsv } from '../../data/timeseries/numeric-csv.js';
import { parseNpy } from '../../data/timeseries/npy.js';
import { readBeatCsv } from '../../data/timeseries/beat-csv.js';
import {
  planSplit,
  storeBeatBlocks,
  storeBeatDataset,
  type AnnotatedRecording,
  type BeatBlock,
  type BeatDatasetResult,
  type BeatPreset,
} from './beat-dataset-builder.js';
import { KACHUEE_LENGTH } from '../../data/ecg/kachuee2018.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';

export const TIMESERIES_IMPORTER_VERSION = 'timeseries/1';

export interface ImportTimeseriesOptions {
  inputs: string[];
  name: string;
  /** 'beats': one row per beat, label last (or labels in --labels for .npy); 'samples': one row per sample. */
  layout: 'beats' | 'samples';
  /** Sampling rate of the rows (samples layout) or of the windows (beats layout), Hz. */
  fs: number;
  /** beats layout: one of the inputs whose rows form the test set (e.g. mitbih_test.csv). */
  testFile?: string;
  /** beats layout without testFile: beats:SEED:FRACTION; samples layout: any split by record. */
  split?: SplitSpec;
  /** beats layout, .npy inputs: the labels array (one per row), in input order. */
  labels?: string[];
  /** samples layout: the column to use (header name or 1-based index); default the first. */
  lead?: string;
  /** samples layout: folder of RECORD.csv beat files (time|sample,label). */
  beatsDir?: string;
  /** samples layout: the unit of the values; windows are stored in mV. */
  units?: 'mV' | 'uV' | 'V';
  before?: number;
  length?: number;
  targetFs?: number;
  /** kachuee2018: rows of beats are already in that format (checked); rows of samples are cut into it. */
  preset?: BeatPreset;
}

/** A label cell to an AAMI class index: 0..4 (N, S, V, F, Q, as in the popular heartbeat CSV) or a symbol. */
function classIndex(cell: string | number, where: string, file: string): number {
  const text = String(cell).trim();
  if (/^\d+(\.0+)?$/.test(text)) {
    const k = Number(text);
    if (k < AAMI_CLASSES.length) return k;
    throw badInput(
      `${where}: label ${text} is not a class index 0 to ${AAMI_CLASSES.length - 1} (N, S, V, F, Q)`,
      file,
    );
  }
  const direct = (AAMI_CLASSES as readonly string[]).indexOf(text);
  if (direct >= 0) return direct;
  const mapped = aamiClassOf(text);
  if (mapped === undefined)
    throw badInput(`${where}: label "${text}" is neither N/S/V/F/Q, 0-4, nor a beat symbol`, file);
  return AAMI_CLASSES.indexOf(mapped);
}

function checkedFile(path: string): Buffer {
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile()) throw badInput('no such file', full);
  return readFileSync(full);
}

/** Rows of windows plus labels from a CSV (label last) or an .npy pair. */
function readBeatRows(
  path: string,
  labelsPath: string | undefined,
): { windows: Float32Array; labels: Uint8Array; length: number; sources: Buffer[] } {
  const bytes = checkedFile(path);
  if (extname(path).toLowerCase() === '.npy') {
    if (labelsPath === undefined)
      throw badInput('an .npy of beats needs its labels: give --labels LABELS.npy', path);
    const x = parseNpy(bytes, path);
    const labelBytes = checkedFile(labelsPath);
    const y = parseNpy(labelBytes, labelsPath);
    if (x.shape.length !== 2)
      throw badInput(`beats must be a 2-D array (beats x samples), got shape (${x.shape.join(', ')})`, path);
    const [n, length] = x.shape as [number, number];
    if (y.data.length !== n) throw badInput(`${y.data.length} labels for ${n} beats`, labelsPath);
    return {
      windows: Float32Array.from(x.data),
      labels: Uint8Array.from(y.data, (v, i) => classIndex(v, `label ${i}`, labelsPath)),
      length,
      sources: [bytes, labelBytes],
    };
  }
  const table = parseNumericCsv(bytes.toString('utf8'), path, [-1]);
  const length = table.columns - 1;
  if (length < 16)
    throw badInput(`rows have ${length} samples before the label; a beat needs at least 16`, path);
  const windows = new Float32Array(table.rows * length);
  const labelCells = table.text.get(table.columns - 1) as string[];
  const labels = new Uint8Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    windows.set(table.values.subarray(r * table.columns, r * table.columns + length), r * length);
    labels[r] = classIndex(labelCells[r] as string, `line ${r + (table.header !== undefined ? 2 : 1)}`, path);
  }
  return { windows, labels, length, sources: [bytes] };
}

/** Rows that claim the Kachuee et al. 2018 format must have its 187 samples, scaled into [0, 1]. */
function checkKachueeRows(blocks: BeatBlock[], length: number, files: string[]): void {
  if (length !== KACHUEE_LENGTH)
    throw badInput(
      `rows have ${length} samples; the kachuee2018 format has ${KACHUEE_LENGTH} (drop --preset or give rows in that format)`,
      files[0],
    );
  blocks.forEach((block, f) => {
    const outside = block.windows.findIndex((v) => !(v >= 0 && v <= 1));
    if (outside !== -1)
      throw badInput(
        `row ${Math.floor(outside / length) + 1} holds ${block.windows[outside]}, outside [0, 1]: not in the kachuee2018 format (its beats are scaled to [0, 1])`,
        files[f],
      );
  });
}

function importBeatRows(
  workspace: Workspace,
  o: ImportTimeseriesOptions,
  context: JobContext,
): BeatDatasetResult {
  if (o.preset === 'record-normalized-rr')
    throw badInput(
      'rows of beats carry no beat times, so no R-R interval: the record-normalized-rr preset (--rr-context) needs rows of samples with --beats DIR',
    );
  const warnings: string[] = [];
  const files = o.inputs.map((p) => resolve(p));
  const testFile = o.testFile !== undefined ? resolve(o.testFile) : undefined;
  if (testFile !== undefined && !files.includes(testFile))
    throw badInput('--test must be one of the input files', testFile);
  if (testFile === undefined && o.split?.kind !== 'beats')
    throw badInput(
      'rows of beats carry no patient: give --test FILE (a separate test file) or --split beats:SEED:FRACTION',
    );
  if (o.labels !== undefined && o.labels.length !== files.length)
    throw badInput(`--labels lists ${o.labels.length} files for ${files.length} inputs`);
  if (testFile === undefined) warnings.push(BY_BEAT_WARNING);
  let length: number | undefined;
  const blocks: BeatBlock[] = files.map((path, f) => {
    throwIfCancelled(context.signal);
    context.progress((0.9 * f) / files.length, `reading ${basename(path)}`);
    const labelsPath = o.labels?.[f];
    const rows = readBeatRows(path, labelsPath);
    if (length !== undefined && rows.length !== length)
      throw badInput(`rows have ${rows.length} samples, the first file's ${length}`, path);
    length = rows.length;
    const n = rows.labels.length;
    const byBeat = o.split?.kind === 'beats' && testFile === undefined ? o.split : undefined;
    const random =
      byBeat !== undefined ? createRng(deriveSeed(byBeat.seed, 'beats', basename(path))) : undefined;
    const side = byBeat !== undefined ? 'both' : path === testFile ? 'test' : 'train';
    return {
      record: basename(path),
      windows: rows.windows,
      labels: rows.labels,
      split:
        byBeat !== undefined && random !== undefined
          ? Uint8Array.from({ length: n }, () =>
              random() < byBeat.testFraction ? SPLIT_CODES.test : SPLIT_CODES.train,
            )
          : new Uint8Array(n).fill(side === 'test' ? SPLIT_CODES.test : SPLIT_CODES.train),
      positions: new Float64Array(n).fill(NaN),
      side,
      sources: [path, ...(labelsPath !== undefined ? [resolve(labelsPath)] : [])].map((p, k) => {
        const bytes = rows.sources[k] as Buffer;
        return { record: basename(path), path: p, size: bytes.byteLength, sha256: sha256Hex(bytes) };
      }),
    };
  });
  const windowLength = length ?? 187;
  const kachuee = o.preset === 'kachuee2018';
  if (kachuee) checkKachueeRows(blocks, windowLength, files);
  const before = kachuee ? 0 : (o.before ?? Math.floor((windowLength * 90) / 187));
  if (!Number.isInteger(before) || before < 0 || before >= windowLength)
    throw badInput(`--before must be an integer from 0 to ${windowLength - 1}`);
  return storeBeatBlocks(
    workspace,
    {
      name: o.name,
      importer: TIMESERIES_IMPORTER_VERSION,
      params: {
        inputs: o.inputs,
        layout: 'beats',
        testFile: o.testFile,
        split: o.split,
        fs: o.fs,
        ...(kachuee ? { preset: 'kachuee2018' } : {}),
      },
      classes: AAMI_CLASSES,
      length: windowLength,
      before,
      fs: o.fs,
      lead: o.lead ?? 'unknown',
      units: 'as given (rows are not rescaled)',
      ...(kachuee ? { preprocessing: 'kachuee2018' as const } : {}),
    },
    blocks,
    warnings,
    [],
    context,
  );
}

/** One row per sample: each CSV file is a record, one column per lead; beats from DIR/RECORD.csv. */
function importSampleRows(
  workspace: Workspace,
  o: ImportTimeseriesOptions,
  context: JobContext,
): BeatDatasetResult {
  if (o.beatsDir === undefined)
    throw badInput('rows of samples need beat positions: give --beats DIR with RECORD.csv files');
  const files = o.inputs.map((p) => resolve(p));
  const record = (path: string): string => basename(path).replace(/\.csv$/i, '');
  const split = o.split ?? { kind: 'records', seed: 1, testFraction: 0.3 };
  const { plan, warnings } = planSplit(files.map(record), split, context);
  const factor = { mV: 1, uV: 1e-3, V: 1e3 }[o.units ?? 'mV'];
  const recordings: AnnotatedRecording[] = files
    .filter((f) => !plan.skipped.includes(record(f)))
    .map((path, i) => {
      throwIfCancelled(context.signal);
      context.progress((0.9 * i) / files.length, `reading ${basename(path)}`);
      const bytes = checkedFile(path);
      const table = parseNumericCsv(bytes.toString('utf8'), path);
      const lead = o.lead ?? '1';
      const column =
        table.header !== undefined && table.header.includes(lead)
          ? table.header.indexOf(lead)
          : Number(lead) - 1;
      if (!Number.isInteger(column) || column < 0 || column >= table.columns)
        throw badInput(
          `no column "${lead}" (columns: ${(table.header ?? []).join(', ') || table.columns})`,
          path,
        );
      const signal = Float32Array.from(
        { length: table.rows },
        (_, r) => (table.values[r * table.columns + column] as number) * factor,
      );
      const beatsPath = join(resolve(o.beatsDir as string), `${record(path)}.csv`);
      const beatBytes = checkedFile(beatsPath);
      return {
        record: record(path),
        signal,
        fs: o.fs,
        beats: readBeatCsv(beatsPath, o.fs),
        sources: [
          { record: record(path), path, size: bytes.byteLength, sha256: sha256Hex(bytes) },
          { record: record(path), path: beatsPath, size: beatBytes.byteLength, sha256: sha256Hex(beatBytes) },
        ],
      };
    });
  return storeBeatDataset(
    workspace,
    {
      name: o.name,
      importer: TIMESERIES_IMPORTER_VERSION,
      split,
      lead: o.lead ?? 'column 1',
      ...(o.length !== undefined ? { length: o.length } : {}),
      ...(o.before !== undefined ? { before: o.before } : {}),
      ...(o.targetFs !== undefined ? { targetFs: o.targetFs } : {}),
      ...(o.preset !== undefined ? { preset: o.preset } : {}),
      params: {
        inputs: o.inputs,
        layout: 'samples',
        split,
        fs: o.fs,
        beats: o.beatsDir,
        units: o.units ?? 'mV',
      },
    },
    recordings,
    plan.test,
    warnings,
    plan.skipped,
    context,
  );
}

/** Imports CSV or NumPy time series as an ECG beat dataset (see ImportTimeseriesOptions). */
export function importTimeseriesDataset(
  workspace: Workspace,
  options: ImportTimeseriesOptions,
  context: JobContext,
): BeatDatasetResult {
  if (options.inputs.length === 0) throw badInput('import csv needs at least one file');
  if (!(options.fs >= 1 && options.fs <= 100_000))
    throw badInput(`--fs must be between 1 and 100000 Hz, got ${options.fs}`);
  return options.layout === 'beats'
    ? importBeatRows(workspace, options, context)
    : importSampleRows(workspace, options, context);
}
