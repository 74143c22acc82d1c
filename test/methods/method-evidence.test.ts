import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

type Evidence = { method: string; verdict: string; note: string; seeds?: number; measuredAt?: string };

async function evidence(home: string): Promise<Evidence[]> {
  const run = await runCli(['--home', home, 'methods', 'evidence', '--json']);
  assert.equal(run.code, 0, run.stderr);
  return run.json['methods'] as Evidence[];
}

test('a method is "effect not shown" until a reproduction shows it; the newest reproduction is cited, audited', async () => {
  const home = tempHome('method-evidence');
  try {
    const before = await evidence(home.dir);
    assert.deepEqual(
      before.map((e) => e.method),
      ['lowrank-lp', 'nmutant', 'diversity-training', 'membership-defense'],
    );
    for (const e of before) {
      assert.equal(e.verdict, 'not measured');
      assert.match(e.note, /^effect not shown: .* has not been reproduced on this installation/);
    }

    // One seed gives no interval: inconclusive, so still not shown.
    const once = await runCli([
      '--home',
      home.dir,
      'methods',
      'reproduce',
      '--method',
      'lowrank-lp',
      '--seeds',
      '1',
      '--json',
    ]);
    assert.equal(once.code, 0, once.stderr);
    const inconclusive = (await evidence(home.dir))[0];
    assert.equal(inconclusive?.verdict, 'inconclusive');
    assert.equal(inconclusive?.seeds, 1);
    assert.match(
      inconclusive?.note ?? '',
      /^effect not shown: compress recipe lowrank:R:p=P .* came out inconclusive/,
    );

    const thrice = await runCli([
      '--home',
      home.dir,
      'methods',
      'reproduce',
      '--method',
      'lowrank-lp',
      '--seeds',
      '3',
      '--json',
    ]);
    assert.equal(thrice.code, 0, thrice.stderr);
    const measured = (thrice.json['methods'] as { verdict: string }[])[0]?.verdict;
    const after = (await evidence(home.dir))[0];
    assert.equal(after?.verdict, measured);
    assert.equal(after?.seeds, 3);
    assert.match(
      after?.note ?? '',
      measured === 'shown' ? /^effect shown for compress recipe/ : /^effect not shown/,
    );
    // The other methods were not reproduced: still not measured.
    assert.equal((await evidence(home.dir))[1]?.verdict, 'not measured');

    const verify = await runCli(['--home', home.dir, 'audit', 'verify', '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    const log = await runCli(['--home', home.dir, 'audit', 'log', '--json']);
    const events = JSON.stringify(log.json);
    assert.equal(events.match(/"method\.reproduce"/g)?.length, 2, events.slice(0, 500));
  } finally {
    home.cleanup();
  }
});
