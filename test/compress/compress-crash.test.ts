import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed } from '../../src-main/core/engine/seed.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';

/*
 * The crash test for compression: a compression killed (SIGKILL, no chance to clean up) at a seeded, random
 * stage leaves no child model, a job the next command reports as interrupted and a trail that verifies; the same
 * compression then succeeds and stores exactly one child.
 */

interface Job {
  kind: string;
  status: string;
}

// Stages `attest compress` reports on stderr with work still to come after them (fine-tuning, storing the child,
// measuring): a kill at the last line, just before the process ends on its own, could arrive too late.
const STAGES = [/scoring the parent/, /tolerates int8|int8 model loses/];

test('a compression killed at a random stage stores no child, verifies, and the same compression then succeeds', async () => {
  const home = tempHome('compress-crash');
  const h = ['--home', home.dir];
  const env = { ATTEST_TRAIN_WORKERS: '0' };
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      ...['100', '119', '208'].map((r) => resourcePath('mitdb', r)),
      '--name',
      'crash',
      '--split',
      'records:1:0.34',
      '--duration',
      '60',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const trained = await runCli(
      [
        'train',
        '--dataset',
        imported.json['datasetId'] as string,
        '--epochs',
        '1',
        '--seed',
        '3',
        '--no-lr-test',
        ...h,
        '--json',
      ],
      { env },
    );
    assert.equal(trained.code, 0, trained.stderr);
    const parent = trained.json['modelId'] as string;

    const stage = STAGES[
      Math.floor(createRng(deriveSeed(21, 'compress-kill-stage'))() * STAGES.length)
    ] as RegExp;
    const args = [
      'compress',
      '--model',
      parent,
      '--recipe',
      'prune:0.5,quant:int8',
      '--fine-tune-epochs',
      '1',
    ];
    let sent = false;
    const killed = await runCli([...args, ...h, '--json'], {
      env,
      onStderr(text, kill) {
        if (!sent && stage.test(text)) {
          sent = true;
          kill('SIGKILL');
        }
      },
    });
    assert.equal(killed.code, null, `the compression was not killed at ${String(stage)}: ${killed.stderr}`);

    const models = (await runCli(['models', 'list', ...h, '--json'])).json['models'] as { id: string }[];
    assert.deepEqual(
      models.map((m) => m.id),
      [parent],
      'a killed compression stored a child',
    );
    const jobs = (await runCli(['jobs', 'list', ...h, '--json'])).json['jobs'] as Job[];
    assert.equal(jobs.find((j) => j.kind === 'compress')?.status, 'interrupted');
    const verified = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);

    const again = await runCli([...args, ...h, '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    const after = (await runCli(['models', 'list', ...h, '--json'])).json['models'] as { id: string }[];
    assert.equal(after.length, 2);
    assert.equal(again.json['parentId'], parent);
    assert.notEqual(again.json['modelId'], parent);
    assert.ok(after.some((m) => m.id === again.json['modelId']));
    const finalCheck = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(finalCheck.code, 0, finalCheck.stdout);
  } finally {
    home.cleanup();
  }
});
