import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectWfdb } from '../../src-main/core/data/wfdb/inspect.js';
import { AttestError } from '../../src-main/core/errors.js';
import { FIXTURES } from './wfdb-fixtures.js';

const FORMATS = join(FIXTURES, 'formats');

test('every file of the wfdb-formats set inspects, a signal file as the record whose header names it', () => {
  for (const file of readdirSync(FORMATS)) {
    const result = inspectWfdb(join(FORMATS, file)) as {
      format: string;
      record: string;
      requestedFile?: string;
    };
    assert.equal(result.format, 'wfdb', file);
    if (/\.(dat|d\d)$/.test(file)) {
      assert.equal(result.requestedFile, file);
      assert.ok(file.startsWith(result.record), `${file} belongs to ${result.record}`);
    }
  }
  const d3 = inspectWfdb(join(FORMATS, 'binformats.d3')) as { record: string; signals: unknown[] };
  assert.equal(d3.record, 'binformats');
  assert.equal(d3.signals.length, 10);
});

test('a file no header names is refused with its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-stray-'));
  try {
    const stray = join(dir, 'stray.dat');
    writeFileSync(stray, Buffer.alloc(16));
    assert.throws(
      () => inspectWfdb(stray),
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && e.message.includes(stray),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
