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
  { kind: 'ds1ds2' } | { kind: 'records'; seed: number; testFraction: number } | { kind: 'all-test' };

export function parseSplitSpec(text: string): SplitSpec {
  if (text === 'ds1ds2') return { kind: 'ds1ds2' };
  if (text === 'all-test') return { kind: 'all-test' };
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
    `unknown split "${text}": use ds1ds2 (de Chazal DS1 -> DS2), records:SEED:FRACTION (by record, never by beat) or all-test`,
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
