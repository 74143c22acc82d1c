import { badInput } from '../errors.js';
import { createRng, shuffledIndices } from '../engine/seed.js';

/** de Chazal et al. (2004): the inter-patient MIT-BIH split; paced records 102 104 107 217 are in neither. */
export const DS1 = [
  '101',
  '106',
  '108',
  '109',
  '112',
  '114',
  '115',
  '116',
  '118',
  '119',
  '122',
  '124',
  '201',
  '203',
  '205',
  '207',
  '208',
  '209',
  '215',
  '220',
  '223',
  '230',
];
export const DS2 = [
  '100',
  '103',
  '105',
  '111',
  '113',
  '117',
  '121',
  '123',
  '200',
  '202',
  '210',
  '212',
  '213',
  '214',
  '219',
  '221',
  '222',
  '228',
  '231',
  '232',
  '233',
  '234',
];

export type SplitSpec =
  | { kind: 'ds1ds2' }
  | { kind: 'records'; seed: number; testFraction: number }
  | { kind: 'all-test' }
  /** The named records are the test set, the others train. */
  | { kind: 'test-records'; records: string[] }
  /** Fold `fold` (1-based) of `folds` by record is the test set. */
  | { kind: 'kfold'; folds: number; fold: number; seed: number }
  /** Intra-patient: beats drawn at random, so one patient's beats land on both sides (optimistic). */
  | { kind: 'beats'; seed: number; testFraction: number };

/** The warning every dataset and report split by beat carries. */
export const BY_BEAT_WARNING =
  'intra-patient split (random by beat): beats of one patient are on both sides, so test figures are optimistic and do not predict performance on new patients';

export function parseSplitSpec(text: string): SplitSpec {
  if (text === 'ds1ds2') return { kind: 'ds1ds2' };
  if (text === 'all-test') return { kind: 'all-test' };
  const list = /^test:(.+)$/.exec(text);
  if (list) {
    const records = (list[1] ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    if (records.length === 0) throw badInput('--split test:RECORD,... needs at least one record');
    return { kind: 'test-records', records: [...new Set(records)] };
  }
  const kfold = /^kfold:(\d+):(\d+)(?::(-?\d+))?$/.exec(text);
  if (kfold) {
    const folds = Number(kfold[1]);
    const fold = Number(kfold[2]);
    if (folds < 2 || folds > 100 || fold < 1 || fold > folds)
      throw badInput(`--split kfold:K:I needs 2 <= K <= 100 and 1 <= I <= K, got ${text}`);
    return { kind: 'kfold', folds, fold, seed: Number(kfold[3] ?? 1) };
  }
  const beats = /^beats:(-?\d+):([0-9.]+)$/.exec(text);
  if (beats) {
    const testFraction = Number(beats[2]);
    if (!(testFraction > 0 && testFraction < 1))
      throw badInput(
        `--split beats:SEED:FRACTION needs a test fraction strictly between 0 and 1, got ${beats[2]}`,
      );
    return { kind: 'beats', seed: Number(beats[1]), testFraction };
  }
  const match = /^records:(-?\d+):([0-9.]+)$/.exec(text);
  if (match) {
    const seed = Number(match[1]);
    const testFraction = Number(match[2]);
    if (!(testFraction > 0 && testFraction < 1)) {
      throw badInput(
        `--split records:SEED:FRACTION needs a test fraction strictly between 0 and 1, got ${match[2]}`,
      );
    }
    return { kind: 'records', seed, testFraction };
  }
  throw badInput(
    `unknown split "${text}": use ds1ds2 (de Chazal DS1 -> DS2), records:SEED:FRACTION (by record), test:RECORD,..., kfold:K:I[:SEED] (by record), beats:SEED:FRACTION (intra-patient, optimistic) or all-test`,
  );
}

export interface RecordSplit {
  train: string[];
  test: string[];
  skipped: string[];
}

/** Assigns whole records to train or test, so that no patient's beats land on both sides. */
export function splitRecords(records: string[], spec: SplitSpec): RecordSplit {
  if (spec.kind === 'ds1ds2') {
    const train = records.filter((r) => DS1.includes(r));
    const test = records.filter((r) => DS2.includes(r));
    const skipped = records.filter((r) => !DS1.includes(r) && !DS2.includes(r));
    return { train, test, skipped };
  }
  if (spec.kind === 'all-test') return { train: [], test: [...records], skipped: [] };
  if (spec.kind === 'test-records') {
    const missing = spec.records.filter((r) => !records.includes(r));
    if (missing.length > 0)
      throw badInput(`--split test: record ${missing.join(', ')} is not among the inputs`);
    return {
      train: records.filter((r) => !spec.records.includes(r)),
      test: records.filter((r) => spec.records.includes(r)),
      skipped: [],
    };
  }
  // By beat, every record is on both sides: the importer draws each beat's side (see beat-dataset-builder.ts).
  if (spec.kind === 'beats') return { train: [...records], test: [...records], skipped: [] };
  if (spec.kind === 'kfold') {
    if (records.length < spec.folds)
      throw badInput(`${spec.folds} folds by record need at least ${spec.folds} records`);
    const order = shuffledIndices(records.length, createRng(spec.seed));
    // Record order[k] goes to fold k mod K: folds differ in size by at most one record.
    const testSet = new Set(
      Array.from(order, (i, k) => [records[i] as string, (k % spec.folds) + 1] as const)
        .filter(([, fold]) => fold === spec.fold)
        .map(([record]) => record),
    );
    return {
      train: records.filter((r) => !testSet.has(r)),
      test: records.filter((r) => testSet.has(r)),
      skipped: [],
    };
  }
  if (records.length < 2) throw badInput('a split by record needs at least 2 records');
  const order = shuffledIndices(records.length, createRng(spec.seed));
  const testCount = Math.min(records.length - 1, Math.max(1, Math.round(records.length * spec.testFraction)));
  const testSet = new Set(Array.from(order.slice(0, testCount), (i) => records[i] as string));
  return {
    train: records.filter((r) => !testSet.has(r)),
    test: records.filter((r) => testSet.has(r)),
    skipped: [],
  };
}
