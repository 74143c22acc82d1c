import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRng, deriveSeed } from '../../src-main/core/engine/seed.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';

/*
 * The crash test: a training killed (SIGKILL, no chance to clean up) right after a seeded, random epoch's
 * checkpoint leaves a database that verifies, a job that the next command reports as interrupted, a
 * leftover temporary artifact that the next write removes, and a job that `train --resume` finishes from its
 * last checkpoint, keeping the checkpoints it had.
 */

interface Job {
  id: string;
  kind: string;
  status: string;
  params: Record<string, unknown>;
}

test('a training killed at a random epoch is reported interrupted, verifies, and resumes from its last checkpoint', async () => {
  const home = tempHome('train-crash');
  const h = ['--home', home.dir];
  const env = { ATTEST_TRAIN_WORKERS: '0' };
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      resourcePath('mitdb', '100'),
      resourcePath('mitdb', '119'),
      resourcePath('mitdb', '208'),
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
    const epochs = 3;
    const killAfter = 1 + Math.floor(createRng(deriveSeed(21, 'kill-epoch'))() * (epochs - 1));
    let pid: number | undefined;
    const killed = await runCli(
      [
        'train',
        '--dataset',
        imported.json['datasetId'] as string,
        '--epochs',
        String(epochs),
        '--seed',
        '3',
        '--no-lr-test',
        ...h,
        '--json',
      ],
      {
        env,
        onStderr(text, kill) {
          if (pid === undefined && new RegExp(`epoch ${killAfter}: loss`).test(text)) {
            pid = 0;
            kill('SIGKILL');
          }
        },
      },
    );
    assert.equal(killed.code, null, `the training was not killed: ${killed.stderr}`);

    const jobs = (await runCli(['jobs', 'list', ...h, '--json'])).json['jobs'] as Job[];
    const train = jobs.find((j) => j.kind === 'train');
    assert.equal(train?.status, 'interrupted');
    const jobId = train.id;

    // A temporary file as a kill during an artifact write leaves it (its writer's process id is gone).
    const leftover = join(home.dir, 'artifacts', 'ab', `${'ab'.repeat(32)}.999999999.0badf00d.partial`);
    mkdirSync(join(home.dir, 'artifacts', 'ab'), { recursive: true });
    writeFileSync(leftover, 'half an artifact');

    const verified = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);

    const refused = await runCli(['train', '--resume', jobId, '--epochs', '9', ...h, '--json'], { env });
    assert.equal(refused.code, 2);
    assert.match(JSON.stringify(refused.json), /--resume takes the job's own settings/);

    const resumed = await runCli(['train', '--resume', jobId, ...h, '--json'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming job ${jobId} after epoch \\d of ${epochs}`));
    const history = resumed.json['history'] as { epoch: number; checkpointSha256: string }[];
    assert.equal(resumed.json['epochsRun'], epochs);
    assert.deepEqual(
      history.map((e) => e.epoch),
      Array.from({ length: epochs }, (_, i) => i + 1),
    );
    assert.equal(existsSync(leftover), false, 'the leftover .partial file was not removed');

    const after = (await runCli(['jobs', 'list', ...h, '--json'])).json['jobs'] as Job[];
    const resumedJob = after.find((j) => j.params['resumedFrom'] === jobId);
    assert.equal(resumedJob?.status, 'succeeded');
    assert.equal(after.find((j) => j.id === jobId)?.status, 'interrupted');
    // The checkpoints written before the kill are the resumed run's first epochs, byte for byte.
    const models = (await runCli(['models', 'list', ...h, '--json'])).json['models'] as unknown[];
    assert.equal(models.length, 1);
    const db = new Database(join(home.dir, 'attest.sqlite'), { readonly: true });
    const before = db
      .prepare('SELECT epoch, artifact_sha256 AS sha FROM checkpoints WHERE job_id = ? ORDER BY epoch')
      .all(jobId) as { epoch: number; sha: string }[];
    db.close();
    assert.ok(before.length >= killAfter, `${before.length} checkpoints before the kill`);
    assert.deepEqual(
      history.slice(0, before.length).map((e) => e.checkpointSha256),
      before.map((c) => c.sha),
    );

    const again = await runCli(['train', '--resume', jobId, ...h, '--json'], { env });
    assert.equal(again.code, 2);
    assert.match(JSON.stringify(again.json), /already resumed as job/);
    const finalCheck = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(finalCheck.code, 0, finalCheck.stdout);
  } finally {
    home.cleanup();
  }
});

test('an import killed while it reads leaves no dataset and a trail that verifies; the same import then succeeds', async () => {
  const home = tempHome('import-crash');
  const h = ['--home', home.dir];
  const args = [
    'import',
    'wfdb',
    ...['100', '106', '119', '208', '209'].map((r) => resourcePath('mitdb', r)),
    '--name',
    'killed',
    '--split',
    'records:1:0.4',
    ...h,
    '--json',
  ];
  try {
    let sent = false;
    const killed = await runCli(args, {
      onStderr(text, kill) {
        if (!sent && /\d+% reading/.test(text)) {
          sent = true;
          kill('SIGKILL');
        }
      },
    });
    assert.equal(killed.code, null, `the import was not killed: ${killed.stderr}`);
    const listed = await runCli(['datasets', 'list', ...h, '--json']);
    assert.deepEqual(listed.json['datasets'], []);
    const verified = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const again = await runCli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.json['datasetId'] as string, /^ds-/);
  } finally {
    home.cleanup();
  }
});
