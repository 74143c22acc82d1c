import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError } from '../../src-main/core/errors.js';
import {
  parseWfdbAnnotations,
  readWfdbAnnotationFile,
  readWfdbAnnotations,
} from '../../src-main/core/data/wfdb/annotations.js';
import { countAamiBeats } from '../../src-main/core/data/ecg/aami.js';
import { encodeAnnotations, FORMATS_DIR, MITDB_DIR } from './wfdb-fixtures.js';

test('MIT-BIH 100.atr: 2274 annotations, rhythm AUX strings, AAMI counts', () => {
  const annotations = readWfdbAnnotations(join(MITDB_DIR, '100.atr'));
  assert.equal(annotations.length, 2274);
  assert.deepEqual(countAamiBeats(annotations.map((a) => a.symbol)), { N: 2239, S: 33, V: 1, F: 0, Q: 0 });
  // The record starts with a rhythm annotation "(N" at sample 18, then a normal beat at 77.
  assert.deepEqual(
    annotations.slice(0, 2).map((a) => [a.sample, a.symbol, a.aux]),
    [
      [18, '+', '(N'], // stored as "(N\0": the C string's NUL is dropped
      [77, 'N', undefined],
    ],
  );
  for (let i = 1; i < annotations.length; i++)
    assert.ok(annotations[i]!.sample >= annotations[i - 1]!.sample);
  assert.ok(annotations.every((a) => a.sample < 650000));
});

test('1003.atr: the leading definitions block defines codes and is not counted', () => {
  const file = readWfdbAnnotationFile(join(FORMATS_DIR, '1003.atr'));
  assert.equal(file.annotations.length, 957);
  assert.deepEqual(file.definitions[0], { code: 15, symbol: 'c', description: 'calibration pulse' });
  assert.equal(file.definitions.length, 6);
  assert.equal(file.source.size, 5976);
  assert.match(file.source.sha256, /^[0-9a-f]{64}$/);
  assert.equal(file.annotations[0]?.sample, 73);
});

test('huge.qrs: sample 10^10 reached through SKIP is exact', () => {
  const annotations = readWfdbAnnotations(join(FORMATS_DIR, 'huge.qrs'));
  assert.equal(annotations.length, 1);
  assert.equal(annotations[0]?.sample, 10_000_000_000);
  assert.equal(annotations[0]?.symbol, 'N');
});

test('100.qrs: machine detections read as normal beats', () => {
  const annotations = readWfdbAnnotations(join(FORMATS_DIR, '100.qrs'));
  assert.equal(annotations.length, 2273);
  assert.ok(annotations.every((a) => a.symbol === 'N'));
});

test('SKIP (both signs), NUM, SUB, CHN and AUX, custom codes and time resolution round-trip', () => {
  const bytes = encodeAnnotations([
    { sample: 0, code: 22, aux: '## time resolution: 500' },
    { sample: 0, code: 22, aux: '## annotation type definitions' },
    { sample: 0, code: 22, aux: '42 k my own beat' },
    { sample: 0, code: 22, aux: '## end of definitions' },
    { sample: 5, code: 1 },
    { sample: 3000, code: 5, subtype: -2, chan: 3, num: 7, aux: 'odd' },
    { sample: 3001, code: 42, aux: 'even' },
    { sample: 2999, code: 28, aux: '(VT' },
    { sample: 2 ** 30 + 12345, code: 8, num: -4 },
    { sample: 2 ** 30 + 12346, code: 45 },
  ]);
  const file = parseWfdbAnnotations(bytes, 'mem.atr');
  assert.equal(file.fs, 500);
  assert.deepEqual(file.definitions, [{ code: 42, symbol: 'k', description: 'my own beat' }]);
  const got = file.annotations.map((a) => [a.sample, a.symbol, a.subtype, a.chan, a.num, a.aux ?? null]);
  assert.deepEqual(got, [
    [5, 'N', 0, 0, 0, null],
    [3000, 'V', -2, 3, 7, 'odd'],
    [3001, 'k', 0, 3, 7, 'even'], // CHN and NUM carry over; SUB does not
    [2999, '+', 0, 3, 7, '(VT'],
    [2 ** 30 + 12345, 'A', 0, 3, -4, null],
    [2 ** 30 + 12346, '[45]', 0, 3, -4, null],
  ]);
});

test('an empty annotation file (just the end marker) has no annotations', () => {
  assert.deepEqual(parseWfdbAnnotations(Uint8Array.of(0, 0), 'e.atr').annotations, []);
});

test('every truncation of 100.atr is a bad-input error naming the file, never a crash', () => {
  const bytes = readFileSync(join(MITDB_DIR, '100.atr'));
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(
      () => parseWfdbAnnotations(bytes.subarray(0, length), '/x/100.atr'),
      (error: unknown) =>
        error instanceof AttestError &&
        error.code === 'BAD_INPUT' &&
        /^\/x\/100\.atr: truncated or corrupt annotation file/.test(error.message),
      `length ${length}`,
    );
  }
});

test('random bytes either parse or fail as bad input, and negative times are refused', () => {
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  for (let trial = 0; trial < 500; trial++) {
    const bytes = Uint8Array.from({ length: 2 + (next() % 300) }, () => next() >>> 24);
    try {
      parseWfdbAnnotations(bytes, 'r.atr');
    } catch (error) {
      assert.ok(error instanceof AttestError && error.code === 'BAD_INPUT', String(error));
    }
  }
  const negative = encodeAnnotations([{ sample: -5, code: 1 }]);
  assert.throws(
    () => parseWfdbAnnotations(negative, 'n.atr'),
    /n\.atr: corrupt annotation file: .*before sample 0/,
  );
});
