import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRng } from '../../src-main/core/engine/seed.js';
import {
  MAX_REPEATS,
  balancedEpochOrder,
  balancedQuotas,
} from '../../src-main/core/train/balanced-sampler.js';
import { runCli, REPO_ROOT } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { getModel } from '../../src-main/core/store/models.js';

/** Labels shaped like a few MIT-BIH records: many N, some V and S, a handful of F and Q. */
const LABELS = [
  ...new Array<number>(2000).fill(0),
  ...new Array<number>(150).fill(1),
  ...new Array<number>(300).fill(2),
  ...new Array<number>(40).fill(3),
  ...new Array<number>(3).fill(4),
];

function countBy(order: Int32Array, labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const i of order) counts[labels[i] as number] = (counts[labels[i] as number] as number) + 1;
  return counts;
}

test('balanced quotas share an epoch equally, a rare class capped at its repeats, and add up to the epoch', () => {
  const quotas = balancedQuotas([2000, 150, 300, 40, 3, 0], 2493);
  assert.equal(
    quotas.reduce((a, b) => a + b, 0),
    2493,
  );
  assert.equal(quotas[4], 3 * MAX_REPEATS, 'Q is repeated at most MAX_REPEATS times');
  assert.equal(quotas[5], 0, 'an absent class draws nothing');
  // The other four classes share the rest equally (to one sample).
  const rest = [quotas[0], quotas[1], quotas[2], quotas[3]] as number[];
  assert.ok(Math.max(...rest) - Math.min(...rest) <= 1, rest.join(' '));
});

test('a balanced epoch draws each class to its quota: big classes without repeats, small ones every copy before any twice', () => {
  const order = balancedEpochOrder(LABELS, 5, createRng(11));
  assert.equal(order.length, LABELS.length, 'as many steps as a shuffled epoch');
  const counts = countBy(order, LABELS, 5);
  assert.deepEqual(counts, balancedQuotas([2000, 150, 300, 40, 3], LABELS.length));
  const uses = new Map<number, number>();
  for (const i of order) uses.set(i, (uses.get(i) ?? 0) + 1);
  const usesOf = (label: number) =>
    [...uses.entries()].filter(([i]) => LABELS[i] === label).map(([, n]) => n);
  assert.ok(
    usesOf(0).every((n) => n === 1),
    'N beats are drawn without repeats',
  );
  for (const label of [1, 2, 3]) {
    const n = usesOf(label);
    assert.ok(
      Math.max(...n) - Math.min(...n) <= 1,
      `class ${label} copies drawn ${Math.min(...n)} to ${Math.max(...n)} times`,
    );
  }
  // The classes are mixed through the epoch, not in blocks: every batch of 64 holds N, S and V.
  for (let start = 0; start + 64 <= order.length; start += 64) {
    const batch = countBy(order.subarray(start, start + 64), LABELS, 5);
    assert.ok(batch[0]! > 0 && batch[1]! > 0 && batch[2]! > 0, `batch at ${start}: ${batch.join(' ')}`);
  }
  // Seeded: the same draw again; another epoch's seed, another subset of N.
  assert.deepEqual(balancedEpochOrder(LABELS, 5, createRng(11)), order);
  const other = balancedEpochOrder(LABELS, 5, createRng(12));
  const nOf = (o: Int32Array) => new Set([...o].filter((i) => LABELS[i] === 0));
  const first = nOf(order);
  const overlap = [...nOf(other)].filter((i) => first.has(i)).length;
  assert.ok(overlap < first.size, 'another epoch draws other normal beats');
});

test('train --sampler balanced trains without class weights and records the sampler; a bad sampler exits 2', async () => {
  const home = tempHome('balanced-sampler');
  const h = ['--home', home.dir];
  const env = { ATTEST_TRAIN_WORKERS: '0' };
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      join(REPO_ROOT, 'resources', 'mitdb', '100'),
      join(REPO_ROOT, 'resources', 'mitdb', '119'),
      join(REPO_ROOT, 'resources', 'mitdb', '208'),
      '--name',
      'three records',
      '--split',
      'records:1:0.34',
      '--duration',
      '60',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const datasetId = imported.json['datasetId'] as string;
    const bad = await runCli(['train', '--dataset', datasetId, '--sampler', 'oversample', ...h, '--json'], {
      env,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sampler takes shuffle or balanced, got "oversample"/);

    const trained = await runCli(
      [
        'train',
        '--dataset',
        datasetId,
        '--arch',
        'ecg-resnet',
        '--epochs',
        '1',
        '--no-lr-test',
        '--sampler',
        'balanced',
        ...h,
        '--json',
      ],
      { env },
    );
    assert.equal(trained.code, 0, trained.stderr);
    const workspace = Workspace.open(home.dir);
    try {
      const model = getModel(workspace.db, trained.json['modelId'] as string);
      assert.equal(model.config['sampler'], 'balanced');
      assert.equal(model.summary['sampler'], 'balanced');
      assert.equal(model.summary['classWeight'], undefined, 'the sampler balances; no weights on top');
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});
