import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PixelSpill } from '../../src-main/core/data/images/pixel-spill.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * An image import's samples go to a spill file as they are read (memory stays flat), are read back in the
 * items' order (a sample spilled by a file skipped half-way is left out), and the file is gone when the import
 * ends, stored or refused.
 */

test('spilled samples read back in the order asked, in chunks, skipping samples no item refers to', () => {
  const home = tempHome('spill');
  try {
    const spill = new PixelSpill(home.dir);
    for (let i = 0; i < 10; i++) assert.equal(spill.append(Uint16Array.from([i, i + 100, i + 200])), i);
    assert.throws(() => spill.append(Uint16Array.from([1, 2])), /a sample of 2 values among samples of 3/);
    assert.deepEqual([...spill.range(2, 4)], [2, 102, 202, 3, 103, 203]);
    // Sample 5 was spilled by a file that was then skipped: the items refer to the others, 9 first.
    const order = [9, 0, 1, 2, 3, 4, 6, 7, 8];
    const chunks = [...spill.chunks(order, 3 * 2 * 4)];
    assert.ok(chunks.length > 1, 'read in more than one chunk');
    const values = chunks.flatMap((c) => [...c]);
    assert.deepEqual(
      values,
      order.flatMap((i) => [i, i + 100, i + 200]),
    );
    assert.ok(existsSync(spill.path));
    spill.remove();
    assert.equal(existsSync(spill.path), false);
  } finally {
    home.cleanup();
  }
});

test('an npz import leaves no spill file behind, whether it is stored or refused', async () => {
  const home = tempHome('spill-import');
  const h = ['--home', home.dir];
  const npz = join(REPO_ROOT, 'test', 'fixtures', 'npz');
  const partials = (): string[] =>
    existsSync(join(home.dir, 'artifacts'))
      ? readdirSync(join(home.dir, 'artifacts'), { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.partial'))
      : [];
  try {
    const archive = join(npz, 'numpy-savez-compressed.npz');
    const refused = await runCli([
      'import',
      'npz',
      archive,
      '--name',
      'x',
      '--classes',
      'a,b,c',
      ...h,
      '--json',
    ]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.deepEqual(partials(), []);
    const stored = await runCli(['import', 'npz', archive, '--name', 'x', '--size', '8', ...h, '--json']);
    assert.equal(stored.code, 0, stored.stderr);
    assert.deepEqual(partials(), []);
  } finally {
    home.cleanup();
  }
});
