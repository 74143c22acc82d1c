import assert from 'node:assert/strict';
import { test } from 'node:test';

import { summarize } from '../../src-main/core/pipelines/methods/reproduce.js';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

test('the verdict follows the 95% interval of the mean effect over seeds', () => {
  assert.equal(summarize([0.2, 0.3, 0.25]).verdict, 'shown');
  assert.equal(summarize([-0.2, -0.3, -0.25]).verdict, 'not shown');
  assert.equal(summarize([0.3, -0.2, 0.1]).verdict, 'inconclusive');
  const one = summarize([0.5]);
  assert.deepEqual([one.interval, one.verdict], [null, 'inconclusive'], 'one seed has no interval');
  const { mean, interval } = summarize([1, 2, 3]);
  // mean 2, sd 1, t(2) = 4.303: 2 +- 4.303 / sqrt(3).
  assert.equal(mean, 2);
  assert.ok(Math.abs((interval?.[1] as number) - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
});

test('attest methods reproduce: the claim beside the effect over seeds, one JSON object; bad options exit 2', async () => {
  const home = tempHome('methods-reproduce');
  try {
    const run = await runCli([
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
    assert.equal(run.code, 0, run.stderr);
    const methods = run.json['methods'] as {
      method: string;
      claim: string;
      effects: number[];
      mean: number;
      interval: [number, number];
      verdict: string;
      details: Record<string, number>[];
    }[];
    assert.equal(methods.length, 1);
    const m = methods[0];
    assert.equal(m?.method, 'lowrank-lp');
    assert.match(m?.claim ?? '', /beats the SVD/);
    assert.equal(m?.effects.length, 3);
    // Each seed's effect is the share of the SVD's l_1 error removed, computed from the seed's errors.
    m?.details.forEach((d, k) =>
      assert.ok(
        Math.abs(
          (m.effects[k] as number) - (1 - (d['severalL1Error'] as number) / (d['svdL1Error'] as number)),
        ) < 1e-12,
      ),
    );
    assert.ok((m?.interval[0] as number) > 0 && m?.verdict === 'shown', JSON.stringify(m));
    const unknown = await runCli([
      '--home',
      home.dir,
      'methods',
      'reproduce',
      '--method',
      'alchemy',
      '--json',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown method "alchemy": one of lowrank-lp, nmutant/);
    const zero = await runCli(['--home', home.dir, 'methods', 'reproduce', '--seeds', '0']);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--seeds/);
    // `npm run bench -- --methods` runs the same reproduction; its options are checked the same way.
    const bench = await runCli(['--home', home.dir, 'bench', '--methods', '--seeds', '0']);
    assert.equal(bench.code, 2);
    assert.match(bench.stderr, /--seeds/);
  } finally {
    home.cleanup();
  }
});
