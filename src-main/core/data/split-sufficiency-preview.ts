import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { badInput } from '../errors.js';
import { countAamiBeats } from './ecg/aami.js';
import { readWfdbAnnotationFile } from './wfdb/annotations.js';
import { parseWfdbHeader } from './wfdb/header.js';
import { parseSplitSpec, splitRecords } from './ecg-splits.js';
import { dataSufficiencyWarnings, ECG_RECORDS, type SplitSide } from './data-sufficiency.js';

export interface RecordClassCounts {
  record: string;
  /** Annotated beats by AAMI class (within the first `seconds` when given). */
  classes: Record<string, number>;
}

export interface SplitPreview {
  records: RecordClassCounts[];
  train: SplitSide & { records: string[] };
  test: SplitSide & { records: string[] };
  /** The importer's own data-sufficiency warnings for this split, before anything is imported. */
  warnings: string[];
}

/**
 * The beats of each record by AAMI class, read from its reference annotations (`RECORD.atr` beside the record
 * path) without decoding the signal: what a split would put on each side, shown before the import.
 */
export function recordClassCounts(
  recordPath: string,
  options: { seconds?: number; fs?: number } = {},
): RecordClassCounts {
  const base = recordPath.replace(/\.(hea|dat|atr)$/i, '');
  const atr = `${base}.atr`;
  if (!existsSync(atr)) throw badInput('no reference annotations (.atr) beside the record', recordPath);
  const read = readWfdbAnnotationFile(atr);
  const header = existsSync(`${base}.hea`)
    ? parseWfdbHeader(readFileSync(`${base}.hea`, 'utf8'), `${base}.hea`)
    : undefined;
  const fs = options.fs ?? header?.fs ?? read.fs ?? 360;
  const limit = options.seconds !== undefined ? options.seconds * fs : Infinity;
  const counts = countAamiBeats(read.annotations.filter((a) => a.sample < limit).map((a) => a.symbol));
  return {
    record: basename(atr, '.atr'),
    classes: Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)),
  };
}

/** Record paths of the inputs: a folder stands for every record in it that has reference annotations. */
export function annotatedRecordPaths(inputs: string[]): string[] {
  return inputs.flatMap((input) =>
    existsSync(input) && statSync(input).isDirectory()
      ? readdirSync(input)
          .filter((name) => name.toLowerCase().endsWith('.atr'))
          .sort()
          .map((name) => join(input, name.slice(0, -4)))
      : [input],
  );
}

function side(records: RecordClassCounts[], names: string[]): SplitSide & { records: string[] } {
  const classes: Record<string, number> = {};
  for (const r of records.filter((x) => names.includes(x.record)))
    for (const [c, n] of Object.entries(r.classes)) classes[c] = (classes[c] ?? 0) + n;
  return { classes, groups: names.length, records: names };
}

/** The split by record of these records as the importer would make it, with its sufficiency warnings. */
export function previewRecordSplit(records: RecordClassCounts[], splitText: string): SplitPreview {
  const spec = parseSplitSpec(splitText);
  if (spec.kind === 'beats')
    throw badInput('a split by beat has no records to preview: every record is on both sides');
  const split = splitRecords(
    records.map((r) => r.record),
    spec,
  );
  const train = side(records, split.train);
  const test = side(records, split.test);
  return { records, train, test, warnings: dataSufficiencyWarnings({ train, test }, ECG_RECORDS) };
}
