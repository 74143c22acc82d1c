import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseValidationRecords } from '../../src-main/core/train/validation-records.js';

test('validation records hold the rarer classes when a draw allows it, not normal beats alone', () => {
  // Ten records: 0-7 hold class 0 only (like MIT-BIH 115 and 122), 8 and 9 each hold classes 0, 1 and 2.
  const labels: number[] = [];
  const group: number[] = [];
  for (let record = 0; record < 10; record++) {
    const beats = record < 8 ? [0, 0, 0, 0] : [0, 0, 1, 1, 2, 2];
    for (const label of beats) {
      labels.push(label);
      group.push(record);
    }
  }
  const candidates = {
    labels: Uint8Array.from(labels),
    group: Uint8Array.from(group),
    indices: Int32Array.from(labels.keys()),
  };
  const records = Array.from({ length: 10 }, (_, r) => r);
  for (let seed = 1; seed <= 6; seed++) {
    const held = chooseValidationRecords(records, 0.2, seed, candidates);
    assert.equal(held.size, 2);
    // One of 8 and 9 (half of classes 1 and 2 stay for fitting), never both, never neither.
    assert.equal([...held].filter((r) => r >= 8).length, 1, `seed ${seed}: ${[...held].join(' ')}`);
    assert.deepEqual(chooseValidationRecords(records, 0.2, seed, candidates), held, 'reproducible');
  }
});
