import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError } from '../../src-main/core/errors.js';
import { parseWfdbHeader } from '../../src-main/core/data/wfdb/header.js';
import { FORMATS_DIR, MITDB_DIR, NSTDB_DIR } from './wfdb-fixtures.js';

const badInputMatching = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AttestError, String(error));
  assert.equal(error.code, 'BAD_INPUT');
  assert.match(error.message, pattern);
  return true;
};

test('reads every field of an MIT-BIH header, with its comments', () => {
  const path = join(MITDB_DIR, '100.hea');
  const header = parseWfdbHeader(readFileSync(path, 'latin1'), path);
  assert.equal(header.record, '100');
  assert.equal(header.fs, 360);
  assert.equal(header.samples, 650000);
  assert.equal(header.samplesGiven, true);
  assert.deepEqual(header.comments, ['69 M 1085 1629 x1', 'Aldomet, Inderal']);
  assert.deepEqual(header.signals[0], {
    fileName: '100.dat',
    format: '212',
    samplesPerFrame: 1,
    skew: 0,
    byteOffset: 0,
    gain: 200,
    baseline: 1024,
    units: 'mV',
    adcResolution: 11,
    adcZero: 1024,
    initialValue: 995,
    checksum: -22131,
    blockSize: 0,
    name: 'MLII',
  });
  assert.equal(header.signals[1]?.name, 'V5');
});

test('fills WFDB defaults: gain 0 kept (uncalibrated), baseline = ADC zero, units mV', () => {
  const path = join(NSTDB_DIR, 'bw.hea');
  const header = parseWfdbHeader(readFileSync(path, 'latin1'), path);
  const spec = header.signals[0]!;
  assert.equal(spec.gain, 0);
  assert.equal(spec.baseline, 0);
  assert.equal(spec.units, 'mV');
  assert.equal(spec.initialValue, -29);

  const minimal = parseWfdbHeader('rec 2\nrec.dat 16\nrec.dat 16 100(-5)/uV 0 3\n', 'rec.hea');
  assert.equal(minimal.fs, 250);
  assert.equal(minimal.samplesGiven, false);
  assert.equal(minimal.signals[0]?.gain, 0);
  assert.equal(minimal.signals[0]?.adcResolution, 16);
  assert.equal(minimal.signals[0]?.checksum, undefined);
  assert.equal(minimal.signals[0]?.name, 'record rec, signal 0');
  assert.deepEqual(
    [minimal.signals[1]?.gain, minimal.signals[1]?.baseline, minimal.signals[1]?.units],
    [100, -5, 'uV'],
  );
  assert.equal(minimal.signals[1]?.adcZero, 3);
  assert.equal(minimal.signals[1]?.initialValue, 3);
});

test('reads samples per frame, skew, byte offset, counter frequency, base time and date, CRLF lines', () => {
  const text =
    'multi 2 500/1000(3) 1200 10:20:30 01/02/2003\r\n' +
    '# a comment\r\n' +
    'multi.dat 16x4:2+512 200(1)/mV 12 0 0 0 1024 first signal\r\n' +
    'multi.dat 16:1+512 100 12 0 0 0 0 second\r\n';
  const header = parseWfdbHeader(text, 'multi.hea');
  assert.equal(header.fs, 500);
  assert.equal(header.counterFrequency, 1000);
  assert.equal(header.baseCounter, 3);
  assert.equal(header.samples, 1200);
  assert.equal(header.baseTime, '10:20:30');
  assert.equal(header.baseDate, '01/02/2003');
  assert.deepEqual(header.comments, ['a comment']);
  const [a, b] = header.signals;
  assert.deepEqual(
    [a?.samplesPerFrame, a?.skew, a?.byteOffset, a?.blockSize, a?.name],
    [4, 2, 512, 1024, 'first signal'],
  );
  assert.deepEqual([b?.samplesPerFrame, b?.skew, b?.byteOffset], [1, 1, 512]);
});

test('the multi-rate header of test_generator_2 (with a Latin-1 unit byte)', () => {
  const path = join(FORMATS_DIR, 'test_generator_2.hea');
  const header = parseWfdbHeader(readFileSync(path, 'latin1'), path);
  assert.equal(header.signals.length, 12);
  assert.equal(header.signals[0]?.samplesPerFrame, 200);
  assert.equal(header.signals[0]?.gain, 32.7675);
  assert.equal(header.signals[0]?.units, 'uV');
  assert.equal(header.signals[8]?.units, '\u00b0');
  assert.equal(header.signals[11]?.name, 'EDF Annotations');
  assert.equal(header.signals[11]?.samplesPerFrame, 51);
});

test('refuses malformed and absurd headers with the line and the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /no record line/],
    ['# only a comment\n', /no record line/],
    ['\u0000\u0001binary', /binary data/],
    ['rec 1 360 -5\nrec.dat 212\n', /line 1 .*number of samples must be from 0 to 2\^40, got -5/],
    ['rec 1 360 1e9\nrec.dat 212\n', /line 1 .*number of samples must be an integer/],
    ['rec 1 360 99999999999999999\nrec.dat 212\n', /number of samples must be from 0 to 2\^40/],
    ['rec -1 360 10\n', /number of signals must be from 0 to 10000, got -1/],
    ['rec 99999999 360 10\n', /number of signals must be from 0 to 10000/],
    ['rec x 360 10\n', /number of signals must be an integer/],
    ['rec 1 0 10\nrec.dat 212\n', /sampling frequency must be above 0/],
    ['rec 1 abc 10\nrec.dat 212\n', /sampling frequency must be a positive number/],
    ['rec 2 360 10\nrec.dat 212\n', /declares 2 signals but has 1 signal lines/],
    ['rec 1 360 10\nrec.dat 212\nrec.dat 212\n', /line 3 .*declares 1 signals but has more lines/],
    ['rec 1 360 10\nrec.dat 999\n', /line 2 .*format 999, which is not supported/],
    ['rec 1 360 10\nrec.dat 508\n', /format 508, which is not supported/],
    ['rec 1 360 10\nrec.dat abc\n', /format field must look like/],
    ['rec 1 360 10\nrec.dat 16x0\n', /samples per frame must be from 1/],
    ['rec 1 360 10\nrec.dat 212 abc/mV\n', /gain field must look like/],
    ['rec 1 360 10\nrec.dat 212 200 11 1024 9.5\n', /initial value must be an integer/],
    ['rec 1 360 10\nrec.dat 212 200 40\n', /ADC resolution must be from 0 to 32/],
    ['rec 1 360 10\nrec.dat 212 200 11 0 0 0 -3\n', /block size must not be negative/],
    ['rec 1 360 10\nrec.dat 212 200 11 0 0 123456789012345678901\n', /checksum .* out of range/],
    ['rec/3 2 360 10\nseg1 5\nseg2 5\n', /multi-segment record .*multi-segment reader/],
    ['!!garbage!! 1 2 3\n', /not a WFDB record line/],
    ['rec 1 360 1099511627776\nrec.dat 16x2\n', /is absurd/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseWfdbHeader(text, '/data/rec.hea'),
      badInputMatching(pattern),
      JSON.stringify(text),
    );
    assert.throws(() => parseWfdbHeader(text, '/data/rec.hea'), /^AttestError: \/data\/rec\.hea: /);
  }
});
