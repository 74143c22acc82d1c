import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tempHome } from '../helpers/temp-home.js';
import { startRedis } from '../helpers/redis-server.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { runCli } from '../helpers/run-cli.js';
import { fakeRenderer } from '../app/serve-helpers.js';
import { startServer, type RunningServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { addUser } from '../../src-main/core/audit/users.js';
import { runAsActor } from '../../src-main/core/audit/log.js';
import { listQueuedJobs } from '../../src-main/core/store/queued-jobs.js';
import type { JobView } from '../../src-main/contract/index.js';
import { startWorker } from './queue-helpers.js';

/*
 * Every job on the site store: a server and an `attest worker` both on a real PostgreSQL and a real Redis run a
 * small import, a training, a validation and a report; a reviewer signs the validation through the server, and
 * `attest audit verify` on the site finds the trail intact, with the worker's events in it under the operator.
 */

async function callAs(
  running: RunningServer,
  action: string,
  payload: unknown,
  session?: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${running.port}/api/call/${action}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${running.token}`,
      ...(session !== undefined ? { 'X-Attest-Session': session } : {}),
    },
    body: JSON.stringify(payload),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function signIn(running: RunningServer, name: string, password: string): Promise<string> {
  const answer = await callAs(running, 'session.signIn', { name, password });
  assert.equal(answer['ok'], true, JSON.stringify(answer));
  return (answer['value'] as { token: string }).token;
}

/** Starts a job as the session's user and waits until a worker has run it; returns its result. */
async function runJob(
  running: RunningServer,
  session: string,
  spec: unknown,
): Promise<Record<string, unknown>> {
  const started = await callAs(running, 'jobs.start', spec, session);
  assert.equal(started['ok'], true, JSON.stringify(started));
  const id = (started['value'] as { job: JobView }).job.id;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const list = await callAs(running, 'jobs.list', {}, session);
    const job = (list['value'] as { jobs: JobView[] }).jobs.find((j) => j.id === id);
    if (job !== undefined && job.state !== 'queued' && job.state !== 'running') {
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      return job.result as Record<string, unknown>;
    }
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('import, train, validate, report and sign run on the site store through the queue', async (t) => {
  // One cleanup, in reverse order of start: the server and worker stop before the services they use.
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const server = await startPostgres(t);
  if (server === undefined) return;
  cleanups.push(() => server.stop());
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const scratch = tempHome('attest-site-jobs');
  cleanups.push(scratch.cleanup);
  const url = await server.createDatabase('site');
  const home = join(scratch.dir, 'site-home');

  const init = await runCli(['site', 'init', '--database', url, '--home', home, '--json']);
  assert.equal(init.code, 0, init.stderr);
  const site = Workspace.openOnPostgres(url, home);
  try {
    addUser(site.db, {
      name: 'alice',
      printedName: 'Alice Admin',
      role: 'administrator',
      password: 'admin-secret-1',
    });
    runAsActor('user:alice', () => {
      addUser(site.db, {
        name: 'olga',
        printedName: 'Olga Operator',
        role: 'operator',
        password: 'operator-secret-3',
      });
      addUser(site.db, {
        name: 'rita',
        printedName: 'Rita Reviewer',
        role: 'reviewer',
        password: 'reviewer-secret-2',
      });
    });
  } finally {
    site.close();
  }

  const running = await startServer({
    home,
    rendererDir: fakeRenderer(scratch.dir),
    queue: redis.url,
    store: url,
  });
  cleanups.push(() => running.close());
  // The worker reads the site's configuration file (the store from it; the queue given by flag wins over the
  // file's); the artifacts folder is named relative to the file.
  const config = join(scratch.dir, 'site.json');
  writeFileSync(
    config,
    JSON.stringify({ store: url, queue: 'redis://127.0.0.1:1', artifacts: 'site-home/artifacts' }),
  );
  const worker = await startWorker(home, redis.url, ['--config', config]);
  cleanups.push(() => worker.stop());

  const operator = await signIn(running, 'olga', 'operator-secret-3');
  const imported = await runJob(running, operator, {
    kind: 'import-synthetic',
    name: 'site-ecg',
    records: 4,
    seconds: 60,
    seed: 1,
    split: 'records:1:0.25',
  });
  const datasetId = String(imported['datasetId']);
  const trained = await runJob(running, operator, {
    kind: 'train',
    datasetId,
    arch: 'ecg-resnet',
    epochs: 1,
    seed: 1,
    lrRangeTest: false,
  });
  const modelId = String(trained['modelId']);
  const validated = await runJob(running, operator, {
    kind: 'validate',
    modelId,
    datasetId,
    split: 'test',
    suites: ['clean'],
  });
  const validationId = String(validated['validationId']);
  assert.match(validationId, /^val-/);
  await runJob(running, operator, { kind: 'report', modelId });

  const reviewer = await signIn(running, 'rita', 'reviewer-secret-2');
  const signed = await callAs(
    running,
    'records.sign',
    { entityType: 'validation', entityId: validationId, meaning: 'approved', password: 'reviewer-secret-2' },
    reviewer,
  );
  assert.equal(signed['ok'], true, JSON.stringify(signed));

  const stopped = await worker.stop();
  assert.equal(stopped.code, 0);
  assert.equal(stopped.summary.jobs?.['succeeded'], 4, worker.log());

  // The records are the site's: the worker wrote them to PostgreSQL, under the operator who started each job.
  const log = await runCli(['audit', 'log', '--store', url, '--home', home, '--json']);
  assert.equal(log.code, 0, log.stderr);
  const events = log.json['events'] as { action: string; actor: string; payload: Record<string, unknown> }[];
  for (const action of ['dataset.import', 'model.train', 'model.validate', 'report.export', 'record.sign'])
    assert.ok(
      events.some((e) => e.action === action),
      `${action} in ${events.map((e) => e.action).join(', ')}`,
    );
  const training = events.find((e) => e.action === 'model.train');
  assert.equal(training?.actor, 'user:olga');
  // Appended by the worker: its desk is the worker's machine.
  assert.equal(training?.payload['desk'], `worker:${hostname()}`);
  const signing = events.find((e) => e.action === 'record.sign');
  assert.equal(signing?.actor, 'user:rita');
  assert.equal(signing?.payload['desk'], `server:${hostname()}`);
  const verify = await runCli(['audit', 'verify', '--store', url, '--home', home, '--json']);
  assert.equal(verify.code, 0, verify.stdout);
  assert.equal(verify.json['ok'], true);
  // Nothing went to the home's own SQLite file.
  const local = Workspace.open(home);
  try {
    assert.deepEqual(listQueuedJobs(local.db), []);
  } finally {
    local.close();
  }
});
