import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpz } from '../../src-main/core/data/images/npz.js';
import { listZipEntries } from '../../src-main/core/data/archives/zip-entries.js';
import { NPZ_LIMITS } from '../../src-main/core/data/import-limits.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'npz');

test('archives written by NumPy (stored and deflated, zip64 local headers) read with their values, CRCs checked', () => {
  for (const name of ['numpy-savez.npz', 'numpy-savez-compressed.npz']) {
    const bytes = readFileSync(join(FIXTURES, name));
    const entries = listZipEntries(bytes, name, NPZ_LIMITS);
    assert.equal(entries[0]?.method, name.includes('compressed') ? 8 : 0);
    const arrays = readNpz(bytes, name);
    const images = arrays.get('train_images');
    assert.deepEqual(images?.shape, [3, 4, 5]);
    assert.ok(images?.data instanceof Uint8Array, 'uint8 images stay one byte per pixel');
    assert.deepEqual(
      Array.from(images.data),
      Array.from({ length: 60 }, (_, i) => i % 251),
    );
    assert.deepEqual(Array.from(arrays.get('train_labels')?.data ?? []), [0, 1, 1]);
    assert.deepEqual(Array.from(arrays.get('test_labels')?.data ?? []), [1, 0]);
    assert.deepEqual(arrays.get('test_images')?.shape, [2, 4, 5]);
  }
  const signal = readNpz(readFileSync(join(FIXTURES, 'numpy-savez-compressed.npz')), 'x').get('signal');
  assert.deepEqual(
    Array.from(signal?.data ?? []),
    Array.from({ length: 7 }, (_, i) => Math.fround(-1 + i / 3)),
  );
});
