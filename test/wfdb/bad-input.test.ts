import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError } from '../../src-main/core/errors.js';
import {
  findSignal,
  physicalSignal,
  readWfdbRecord,
  resolveRecordPath,
  splitRecordPath,
} from '../../src-main/core/data/wfdb/record.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { inspectWfdb } from '../../src-main/core/data/wfdb/inspect.js';
import { FORMATS_DIR, MITDB_DIR, tempDir } from './wfdb-fixtures.js';

/** Asserts a bad-input error whose message starts with the file and then names the problem. */
function assertBadInput(run: () => unknown, file: string, problem: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AttestError, `expected an AttestError, got ${String(error)}`);
    assert.equal(error.code, 'BAD_INPUT');
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.match(error.message, problem);
    return true;
  });
}

function copyRecord(dir: string, record: string, from = MITDB_DIR, exts = ['hea', 'dat', 'atr']): string {
  for (const ext of exts) copyFileSync(join(from, `${record}.${ext}`), join(dir, `${record}.${ext}`));
  return join(dir, record);
}

test('bad-input matrix on temporary copies of record 100', () => {
  const { dir, cleanup } = tempDir('wfdb-bad');
  try {
    const fresh = (name: string) => {
      const sub = join(dir, name);
      mkdirSync(sub);
      return { sub, path: copyRecord(sub, '100'), dat: join(sub, '100.dat'), hea: join(sub, '100.hea') };
    };

    // Truncated signal file.
    const truncated = fresh('truncated');
    writeFileSync(truncated.dat, readFileSync(truncated.dat).subarray(0, 1_949_000));
    for (const run of [() => readWfdbRecord(truncated.path), () => inspectWfdb(truncated.path)])
      assertBadInput(
        run,
        truncated.dat,
        /truncated signal file: .*650000 frames .*need 1950000 bytes, but the file has 1949000/,
      );

    // One flipped byte: the checksum no longer matches.
    const flipped = fresh('flipped');
    const dat = readFileSync(flipped.dat);
    dat[123_456] = dat[123_456]! ^ 0x01;
    writeFileSync(flipped.dat, dat);
    for (const run of [() => readWfdbRecord(flipped.path), () => inspectWfdb(flipped.path)])
      assertBadInput(
        run,
        flipped.dat,
        /checksum mismatch for signal \d \((MLII|V5)\): the header .* says -?\d+, the samples sum to -?\d+/,
      );

    // An unknown format in the header.
    const unknown = fresh('unknown');
    writeFileSync(unknown.hea, readFileSync(unknown.hea, 'latin1').replace('100.dat 212', '100.dat 999'));
    assertBadInput(
      () => readWfdbRecord(unknown.path),
      unknown.hea,
      /line 2 of the header: .*format 999, which is not supported/,
    );

    // A header of garbage bytes.
    const garbage = fresh('garbage');
    writeFileSync(garbage.hea, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x10]));
    assertBadInput(() => readWfdbRecord(garbage.path), garbage.hea, /not a WFDB record line/);
    writeFileSync(garbage.hea, 'hello world this is not a header\n');
    assertBadInput(
      () => inspectWfdb(garbage.path),
      garbage.hea,
      /number of signals must be an integer, got "world"/,
    );

    // A negative and a huge sample count.
    const absurd = fresh('absurd');
    writeFileSync(absurd.hea, readFileSync(absurd.hea, 'latin1').replace('650000', '-650000'));
    assertBadInput(
      () => readWfdbRecord(absurd.path),
      absurd.hea,
      /line 1 of the header: the number of samples/,
    );
    writeFileSync(absurd.hea, readFileSync(absurd.hea, 'latin1').replace('-650000', '650000000000'));
    assertBadInput(
      () => readWfdbRecord(absurd.path),
      absurd.dat,
      /truncated signal file: .*650000000000 frames/,
    );

    // A missing signal file: the record cannot be read; inspect still reports the annotations beside it.
    const missing = fresh('missing');
    rmSync(missing.dat);
    assertBadInput(() => readWfdbRecord(missing.path), missing.dat, /the signal file does not exist/);
    const partial = inspectWfdb(missing.path) as { warnings: string[]; annotations: { count: number } };
    assert.match(partial.warnings[0]!, /100\.dat of record 100 is missing/);
    assert.equal(partial.annotations.count, 2274);
    rmSync(join(missing.sub, '100.atr'));
    assertBadInput(() => inspectWfdb(missing.path), missing.dat, /the signal file does not exist/);

    // A truncated annotation file.
    const atr = fresh('atr');
    const atrPath = join(atr.sub, '100.atr');
    writeFileSync(atrPath, readFileSync(atrPath).subarray(0, 2001));
    assertBadInput(() => readWfdbAnnotations(atrPath), atrPath, /truncated or corrupt annotation file/);
    assertBadInput(() => inspectWfdb(atr.path), atrPath, /truncated or corrupt annotation file/);

    // Paths that do not exist.
    const nowhere = join(dir, 'no', 'such', 'folder', '100');
    assertBadInput(() => readWfdbRecord(nowhere), join(dir, 'no', 'such', 'folder'), /no such folder/);
    assertBadInput(() => inspectWfdb(nowhere), join(dir, 'no', 'such', 'folder'), /no such folder/);
    assertBadInput(
      () => readWfdbRecord(join(dir, 'truncated', '999')),
      join(dir, 'truncated', '999.hea'),
      /header of record 999 does not exist/,
    );
    assertBadInput(() => readWfdbAnnotations(join(dir, 'nope.atr')), join(dir, 'nope.atr'), /does not exist/);
    assertBadInput(() => readWfdbRecord(dir), dir, /found a folder/);
    assertBadInput(
      () => resolveRecordPath(join(dir, 'nope')),
      join(dir, 'nope.hea'),
      /record nope does not exist/,
    );
    assert.deepEqual(resolveRecordPath(join(MITDB_DIR, '100.hea')), {
      dir: MITDB_DIR.replace(/\/$/, ''),
      record: '100',
    });
    assert.deepEqual(
      resolveRecordPath(join(MITDB_DIR, '100')),
      resolveRecordPath(join(MITDB_DIR, '100.hea')),
    );
    assert.deepEqual(splitRecordPath('/a/b/huge'), { dir: '/a/b', record: 'huge' });

    // A signal file name that climbs out of the record's folder.
    const escape = fresh('escape');
    writeFileSync(
      escape.hea,
      readFileSync(escape.hea, 'latin1').replaceAll('100.dat', '../truncated/100.dat'),
    );
    assertBadInput(() => readWfdbRecord(escape.path), escape.hea, /points outside the record's folder/);

    // A lead that the record does not have.
    const record = readWfdbRecord(join(MITDB_DIR, '100'));
    assertBadInput(
      () => findSignal(record, 'V1'),
      join(MITDB_DIR, '100.hea'),
      /no signal named "V1" \(it has "MLII", "V5"\)/,
    );
    assertBadInput(() => physicalSignal(record, 2), join(MITDB_DIR, '100.hea'), /has no signal 2/);
  } finally {
    cleanup();
  }
});

test('random corruption of a small header and its signal files never crashes or hangs', () => {
  const { dir, cleanup } = tempDir('wfdb-fuzz');
  try {
    for (let d = 0; d <= 9; d++)
      copyFileSync(join(FORMATS_DIR, `binformats.d${d}`), join(dir, `binformats.d${d}`));
    const original = readFileSync(join(FORMATS_DIR, 'binformats.hea'));
    let state = 99;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    let read = 0;
    for (let trial = 0; trial < 300; trial++) {
      const mutated = Buffer.from(original);
      for (let k = 0; k < 1 + (next() % 3); k++) {
        const at = next() % mutated.length;
        // Mostly digits, so that numbers change value rather than only the syntax breaking.
        mutated[at] = next() % 4 === 0 ? next() >>> 24 : 0x30 + (next() % 10);
      }
      writeFileSync(join(dir, 'binformats.hea'), mutated);
      try {
        readWfdbRecord(join(dir, 'binformats'));
        read++;
      } catch (error) {
        assert.ok(error instanceof AttestError && error.code === 'BAD_INPUT', String(error));
      }
    }
    // Some mutations only touch descriptions or units and still read: the test exercised both outcomes.
    assert.ok(read > 0 && read < 300, `read ${read} of 300`);
  } finally {
    cleanup();
  }
});
