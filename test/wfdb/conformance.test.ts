import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectWfdb } from '../../src-main/core/data/wfdb/inspect.js';
import { readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { FIXTURES, FORMATS_DIR, MITDB_DIR, NSTDB_DIR } from './wfdb-fixtures.js';

interface ReferenceSignal {
  name: string;
  format: string;
  checksum: number;
  sum: number;
  sumSq: number;
  first: number[];
  samplesPerFrame?: number;
  samples?: number;
}
interface Reference {
  fs?: number;
  samples?: number;
  signals?: ReferenceSignal[];
  annotations?: { count: number; beats?: Record<string, number> };
}
interface Inspected {
  format: string;
  record: string;
  fs?: number;
  samples?: number;
  signals?: (Omit<ReferenceSignal, 'checksum'> & {
    checksum: { expected: number | null; actual: number; ok: boolean };
  })[];
  annotations?: { count: number; beats: Record<string, number>; file: string } | null;
  files: { path: string; size: number; sha256: string }[];
}

const reference = (name: string): Record<string, Reference> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, Reference>;

/** wfdb-python sums squares in int64: beyond 2^63 its figure is the exact sum wrapped around. */
function int64Wrapped(digital: Int32Array): number {
  let exact = 0n;
  for (const v of digital) exact += BigInt(v) * BigInt(v);
  return Number(BigInt.asIntN(64, exact));
}

function assertMatches(path: string, want: Reference): Inspected {
  const got = inspectWfdb(path) as Inspected;
  assert.equal(got.format, 'wfdb');
  if (want.fs !== undefined) assert.equal(got.fs, want.fs, `${path} fs`);
  if (want.samples !== undefined) assert.equal(got.samples, want.samples, `${path} samples`);
  (want.signals ?? []).forEach((s, i) => {
    const g = got.signals?.[i];
    assert.ok(g, `${path} signal ${i}`);
    const where = `${path} signal ${i} (${s.name})`;
    assert.equal(g.name, s.name, where);
    assert.equal(g.format, s.format, where);
    assert.equal(g.checksum.expected, s.checksum, `${where} checksum`);
    assert.equal(g.checksum.ok, true, `${where} checksum ok`);
    assert.equal(g.sum, s.sum, `${where} sum`);
    assert.deepEqual(g.first, s.first, `${where} first`);
    if (s.samplesPerFrame !== undefined) assert.equal(g.samplesPerFrame, s.samplesPerFrame, where);
    if (s.samples !== undefined) assert.equal(g.samples, s.samples, where);
    // Beyond 2^63 the reference wrapped around (int64); the next test checks that case.
    if (g.sumSq < 2 ** 63) assert.equal(g.sumSq, s.sumSq, `${where} sumSq`);
  });
  if (want.annotations !== undefined) {
    assert.ok(got.annotations, `${path} annotations`);
    assert.equal(got.annotations.count, want.annotations.count, `${path} annotation count`);
    if (want.annotations.beats !== undefined) assert.deepEqual(got.annotations.beats, want.annotations.beats);
  }
  return got;
}

test('every wfdb-formats record inspects as wfdb-python reads it (formats 8 to 32, odd lengths, multi-rate)', () => {
  const refs = reference('wfdb-formats.reference.json');
  assert.equal(Object.keys(refs).length, 10);
  for (const [name, want] of Object.entries(refs)) assertMatches(join(FORMATS_DIR, name), want);
  // The .hea path is accepted as well as the record path.
  assertMatches(join(FORMATS_DIR, 'binformats.hea'), refs['binformats']!);
});

test('format 32 sum of squares is exact where the reference overflowed int64', () => {
  const want = reference('wfdb-formats.reference.json')['binformats']!.signals![9]!;
  const record = readWfdbRecord(join(FORMATS_DIR, 'binformats'));
  const digital = record.digital[9]!;
  assert.equal(int64Wrapped(digital), want.sumSq);
  const got = inspectWfdb(join(FORMATS_DIR, 'binformats')) as Inspected;
  let exact = 0n;
  for (const v of digital) exact += BigInt(v) * BigInt(v);
  assert.ok(exact > 2n ** 63n);
  assert.equal(got.signals?.[9]?.sumSq, Number(exact));
});

test('the multi-rate record carries samples per frame and all samples per signal', () => {
  const got = inspectWfdb(join(FORMATS_DIR, 'test_generator_2')) as Inspected & {
    baseTime: string;
    baseDate: string;
  };
  assert.equal(got.fs, 1);
  assert.equal(got.samples, 600);
  assert.equal(got.baseTime, '12:44:02');
  assert.equal(got.baseDate, '10/12/2009');
  assert.equal(got.signals?.[0]?.samples, 120000);
  assert.equal(got.signals?.[11]?.samplesPerFrame, 51);
  assert.equal(got.signals?.[11]?.samples, 30600);
  assert.equal(got.annotations, null);
});

test('the bundled MIT-BIH records 100 106 119 208 209 and noise records bw ma match the reference', () => {
  const refs = reference('wfdb-mitdb-nstdb.reference.json');
  for (const record of ['100', '106', '119', '208', '209']) {
    const got = assertMatches(join(MITDB_DIR, record), refs[record]!);
    assert.equal(got.annotations?.file, `${record}.atr`);
    assert.deepEqual(
      got.files.map((f) => f.path.slice(-7)),
      [`${record}.hea`, `${record}.dat`, `${record}.atr`],
    );
    assert.equal(got.files[1]?.size, 1_950_000);
  }
  for (const record of ['bw', 'ma']) {
    const got = assertMatches(join(NSTDB_DIR, record), refs[record]!);
    assert.equal(got.annotations, null);
  }
  const hundred = inspectWfdb(join(MITDB_DIR, '100')) as Inspected;
  assert.deepEqual(hundred.annotations?.beats, { N: 2239, S: 33, V: 1, F: 0, Q: 0 });
  assert.equal(hundred.annotations?.count, 2274);
  assert.deepEqual(hundred.signals?.[0]?.checksum, { expected: -22131, actual: -22131, ok: true });
});
