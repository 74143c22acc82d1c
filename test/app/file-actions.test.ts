import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FolderListingView, PathCheckView, Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { MAX_ENTRIES } from '../../src-main/core/files/local-paths.js';
import { tempHome } from '../helpers/temp-home.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

function refusal(result: Result<unknown>): string {
  assert.equal(result.ok, false, 'the action should have been refused');
  return (result as { ok: false; error: { message: string } }).error.message;
}

const LABELS_CSV = 'file,label\na.png,0\n';

/** A small disk: a data folder with a record folder, two files, a hidden file and a link to the records. */
function disk(root: string): { data: string; records: string } {
  const data = join(root, 'data');
  const records = join(data, 'mitdb');
  mkdirSync(records, { recursive: true });
  writeFileSync(join(records, '100.hea'), '100 2 360 650000\n');
  writeFileSync(join(data, 'labels.csv'), LABELS_CSV);
  writeFileSync(join(data, 'vendor.h5'), Buffer.alloc(3000));
  writeFileSync(join(data, '.hidden'), 'x');
  symlinkSync(records, join(data, 'link-to-records'));
  return { data, records };
}

test('files.list: a folder with kinds and sizes, folders first, hidden entries only when asked', async () => {
  const home = tempHome('file-actions');
  const engine = new Dispatcher(Workspace.open(home.dir), () => undefined);
  try {
    const { data, records } = disk(home.dir);
    const listing = value<FolderListingView>(await engine.dispatch('files.list', { path: data }));
    assert.equal(listing.path, data);
    assert.equal(listing.parent, home.dir);
    assert.deepEqual(listing.roots, process.platform === 'win32' ? listing.roots : ['/']);
    assert.deepEqual(
      listing.entries.map((e) => [e.name, e.kind, e.size, e.readable]),
      [
        ['link-to-records', 'folder', null, true],
        ['mitdb', 'folder', null, true],
        ['labels.csv', 'file', Buffer.byteLength(LABELS_CSV), true],
        ['vendor.h5', 'file', 3000, true],
      ],
    );
    assert.equal(listing.entries[1]?.path, records);
    assert.equal(listing.omitted, 0);
    const hidden = value<FolderListingView>(
      await engine.dispatch('files.list', { path: data, hidden: true }),
    );
    assert.ok(hidden.entries.some((e) => e.name === '.hidden'));
    // Without a path: the home folder of the user running Attest.
    const start = value<FolderListingView>(await engine.dispatch('files.list', {}));
    assert.equal(start.path, start.home);
    const top = value<FolderListingView>(await engine.dispatch('files.list', { path: '/' }));
    assert.equal(top.parent, null);
  } finally {
    home.cleanup();
  }
});

test('files.list: a huge folder lists its first entries and says how many were left out', async () => {
  const home = tempHome('file-actions');
  const engine = new Dispatcher(Workspace.open(home.dir), () => undefined);
  try {
    const big = join(home.dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < MAX_ENTRIES + 7; i++) writeFileSync(join(big, `img-${i}.png`), '');
    const listing = value<FolderListingView>(await engine.dispatch('files.list', { path: big }));
    assert.equal(listing.entries.length, MAX_ENTRIES);
    assert.equal(listing.omitted, 7);
    // Natural order: img-2 before img-10.
    assert.deepEqual(
      listing.entries.slice(0, 3).map((e) => e.name),
      ['img-0', 'img-1', 'img-2'].map((n) => `${n}.png`),
    );
  } finally {
    home.cleanup();
  }
});

test('files.list refuses hostile and wrong paths with a reason naming the path', async () => {
  const home = tempHome('file-actions');
  const engine = new Dispatcher(Workspace.open(home.dir), () => undefined);
  try {
    const { data } = disk(home.dir);
    for (const [path, reason] of [
      ['data/mitdb', /full path from the top of the disk/],
      [`${data}/../..`, /contains "\.\."/],
      [`${data}\u0000/x`, /control characters/],
      ['//server/share/data', /network .* not browsed/],
      ['\\\\?\\C:\\data', /network .* not browsed/],
      [join(data, 'nothing-here'), /nothing-here: no such folder/],
      [join(data, 'labels.csv'), /labels\.csv: this is a file, not a folder/],
    ] as const)
      assert.match(refusal(await engine.dispatch('files.list', { path })), reason, path);
    if (process.getuid?.() !== 0) {
      const locked = join(home.dir, 'locked');
      mkdirSync(locked, { mode: 0o000 });
      try {
        assert.match(
          refusal(await engine.dispatch('files.list', { path: locked })),
          /locked: this folder cannot be read by the user running Attest/,
        );
        const parent = value<FolderListingView>(await engine.dispatch('files.list', { path: home.dir }));
        assert.equal(parent.entries.find((e) => e.name === 'locked')?.readable, false);
      } finally {
        chmodSync(locked, 0o700);
      }
    }
  } finally {
    home.cleanup();
  }
});

test('files.check: each typed path gets a message for beside its field', async () => {
  const home = tempHome('file-actions');
  const engine = new Dispatcher(Workspace.open(home.dir), () => undefined);
  try {
    const { data, records } = disk(home.dir);
    const check = async (paths: string[], expect: 'file' | 'folder' | 'any', extensions?: string[]) =>
      value<{ checks: PathCheckView[] }>(
        await engine.dispatch('files.check', { paths, expect, ...(extensions ? { extensions } : {}) }),
      ).checks.map((c) => [c.ok, c.kind, c.message]);
    assert.deepEqual(await check([records, `  ${join(data, 'vendor.h5')} `], 'any'), [
      [true, 'folder', 'folder, 1 entry'],
      [true, 'file', 'file, 2.9 kB'],
    ]);
    assert.deepEqual(await check([join(data, 'vendor.h5')], 'folder'), [
      [false, 'file', 'this is a file: give a folder'],
    ]);
    assert.deepEqual(await check([records], 'file'), [[false, 'folder', 'this is a folder: give a file']]);
    assert.deepEqual(await check([join(data, 'labels.csv')], 'file', ['.h5', '.json']), [
      [false, 'file', 'expected a .h5, .json file, not .csv'],
    ]);
    // A record given without its extension is found by its files.
    assert.deepEqual(await check([join(records, '100')], 'any', ['.hea', '.dat']), [
      [true, 'file', 'found as 100.hea'],
    ]);
    assert.deepEqual(await check([join(records, '101')], 'any', ['.hea', '.dat']), [
      [false, 'missing', `nothing named “101” in ${records}`],
    ]);
    assert.deepEqual(await check([join(data, 'mitbd')], 'folder'), [
      [false, 'missing', `nothing named “mitbd” in ${data}`],
    ]);
    assert.deepEqual(await check([join(data, 'no', 'such', 'place')], 'folder'), [
      [false, 'missing', 'no such folder'],
    ]);
    assert.deepEqual(await check(['mitdb'], 'folder'), [
      [
        false,
        'missing',
        'give the full path from the top of the disk (for example /data/mitdb or C:\\data\\mitdb)',
      ],
    ]);
    // The request itself is bounded: no path list of any length, no extension that is a pattern.
    assert.match(refusal(await engine.dispatch('files.check', { paths: [], expect: 'any' })), /files\.check/);
    assert.match(
      refusal(await engine.dispatch('files.check', { paths: [data], expect: 'any', extensions: ['*'] })),
      /files\.check/,
    );
  } finally {
    home.cleanup();
  }
});
