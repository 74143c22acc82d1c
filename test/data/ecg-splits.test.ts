import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DS1, DS2, parseSplitSpec, splitRecords } from '../../src-main/core/data/ecg-splits.js';

test('de Chazal DS1 and DS2 hold 22 records each and share none', () => {
  assert.equal(DS1.length, 22);
  assert.equal(DS2.length, 22);
  assert.equal(DS1.filter((r) => DS2.includes(r)).length, 0);
  const split = splitRecords(['100', '101', '102', '106', '217'], { kind: 'ds1ds2' });
  assert.deepEqual(split, { train: ['101', '106'], test: ['100'], skipped: ['102', '217'] });
});

test('a split by record is seeded, never empty on either side, and never splits a record', () => {
  const records = ['100', '106', '119', '208', '209'];
  const a = splitRecords(records, parseSplitSpec('records:7:0.4'));
  const b = splitRecords(records, parseSplitSpec('records:7:0.4'));
  assert.deepEqual(a, b);
  assert.equal(a.test.length, 2);
  assert.equal(a.train.length, 3);
  assert.deepEqual([...a.train, ...a.test].sort(), records);
  const tiny = splitRecords(['1', '2'], parseSplitSpec('records:1:0.99'));
  assert.equal(tiny.train.length, 1);
  assert.throws(() => parseSplitSpec('records:1:1.5'), /strictly between 0 and 1/);
  assert.throws(() => parseSplitSpec('beats'), /unknown split "beats"/);
});
