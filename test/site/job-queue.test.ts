import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempHome } from '../helpers/temp-home.js';
import { freePort, startRedis } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';
import { call, collectEvents, fakeRenderer } from '../app/serve-helpers.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listDatasets } from '../../src-main/core/store/datasets.js';
import { listJobs } from '../../src-main/core/store/jobs.js';
import { getQueuedJob, listQueuedJobs } from '../../src-main/core/store/queued-jobs.js';
import type { JobView } from '../../src-main/contract/index.js';
import { startJob, startWorker, syntheticJob, waitForJobs } from './queue-helpers.js';

/** Reads the shared home as another desk would, closing it again at once. */
function inStore<T>(home: string, read: (workspace: Workspace) => T): T {
  const workspace = Workspace.open(home);
  try {
    return read(workspace);
  } finally {
    workspace.close();
  }
}

test('jobs put on the Redis queue are run by two workers, each exactly once, with their progress on every desk', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const home = tempHome('attest-queue');
  t.after(() => home.cleanup());
  const running = await startServer({
    home: home.dir,
    rendererDir: fakeRenderer(home.dir),
    queue: redis.url,
  });
  t.after(() => running.close());
  const workers = [
    await startWorker(home.dir, redis.url),
    await startWorker(home.dir, redis.url, ['--concurrency', '2']),
  ];
  t.after(() => Promise.all(workers.map((w) => w.stop())));

  const names = Array.from({ length: 8 }, (_, i) => `queued-${i}`);
  const ids: string[] = [];
  const events = await collectEvents(
    running,
    (seen) =>
      ids.length === names.length &&
      ids.every((id) => seen.some((e) => e.type === 'job' && e.job.id === id && e.job.state === 'succeeded')),
    async () => {
      for (const name of names) {
        // Long enough (3 records of 2 minutes) that the desk's poll sees a job running, not only its outcome.
        const job = await startJob(running, syntheticJob(name, 3, 120));
        assert.equal(job.state, 'queued');
        ids.push(job.id);
      }
    },
  );
  // The desk saw the workers' progress, not only the outcome.
  assert.ok(events.some((e) => e.type === 'job' && ids.includes(e.job.id) && e.job.state === 'running'));
  assert.ok(events.some((e) => e.type === 'store.changed' && e.what === 'datasets'));

  const summaries = await Promise.all(workers.map((w) => w.stop()));
  for (const summary of summaries) assert.equal(summary.code, 0);
  const ran = summaries.map((s) => s.summary.jobs?.['succeeded'] ?? 0);
  assert.equal(
    ran.reduce((a, b) => a + b, 0),
    names.length,
    `each job ran once: ${JSON.stringify(summaries)}`,
  );
  inStore(home.dir, (workspace) => {
    const datasets = listDatasets(workspace.db)
      .map((d) => d.name)
      .sort();
    assert.deepEqual(datasets, [...names].sort(), 'one dataset per job, none twice');
    const rows = listQueuedJobs(workspace.db);
    assert.deepEqual(
      rows.map((r) => r.status),
      names.map(() => 'succeeded'),
    );
    // The worker's process ran it, not the server's engine.
    const pids = new Set(workers.map((w) => w.pid));
    for (const row of rows)
      assert.ok(row.pid !== null && pids.has(row.pid), `job ${row.id} ran in pid ${row.pid}`);
  });
});

test('a worker killed mid-job: the queue notices, another worker runs the job again, and it ends once', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const home = tempHome('attest-queue');
  t.after(() => home.cleanup());
  const running = await startServer({
    home: home.dir,
    rendererDir: fakeRenderer(home.dir),
    queue: redis.url,
  });
  t.after(() => running.close());
  const lock = ['--lock-seconds', '6'];
  const first = await startWorker(home.dir, redis.url, lock);
  t.after(() => first.stop());
  const job = await startJob(running, syntheticJob('survives', 60, 600));
  await waitForJobs(
    running,
    (jobs) => jobs.some((j) => j.id === job.id && j.state === 'running'),
    'the job to start',
  );
  assert.equal(
    inStore(home.dir, (w) => getQueuedJob(w.db, job.id)?.pid),
    first.pid,
  );
  first.child.kill('SIGKILL');
  await first.stop();

  const second = await startWorker(home.dir, redis.url, lock);
  t.after(() => second.stop());
  const jobs = await waitForJobs(
    running,
    (all) => all.some((j) => j.id === job.id && j.state !== 'running' && j.state !== 'queued'),
    'the job to end after its worker was killed',
  );
  const ended = jobs.find((j) => j.id === job.id);
  assert.equal(ended?.state, 'succeeded', JSON.stringify(ended));
  const { summary } = await second.stop();
  assert.equal(summary.jobs?.['succeeded'], 1);
  assert.match(second.log(), /running again after its worker stopped/);
  inStore(home.dir, (workspace) => {
    assert.equal(getQueuedJob(workspace.db, job.id)?.pid, second.pid);
    assert.deepEqual(
      listDatasets(workspace.db).map((d) => d.name),
      ['survives'],
      'the killed run stored nothing; the second stored it once',
    );
  });
});

test('a job whose workers are killed twice is failed with the reason, not left running', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const home = tempHome('attest-queue');
  t.after(() => home.cleanup());
  const running = await startServer({
    home: home.dir,
    rendererDir: fakeRenderer(home.dir),
    queue: redis.url,
  });
  t.after(() => running.close());
  const lock = ['--lock-seconds', '4'];
  const job = await startJob(running, syntheticJob('unlucky', 200, 1200));
  for (const round of [1, 2]) {
    const doomed = await startWorker(home.dir, redis.url, lock);
    t.after(() => doomed.stop());
    // Killed once it runs the job (the second one after taking it over from the first).
    await waitForJobs(
      running,
      () => inStore(home.dir, (w) => getQueuedJob(w.db, job.id)?.pid) === doomed.pid,
      `worker ${round} to run the job`,
    );
    doomed.child.kill('SIGKILL');
    await doomed.stop();
  }
  const last = await startWorker(home.dir, redis.url, lock);
  t.after(() => last.stop());
  const jobs = await waitForJobs(
    running,
    (all) => all.some((j) => j.id === job.id && j.state === 'failed'),
    'the job to be failed',
  );
  const failed = jobs.find((j) => j.id === job.id);
  assert.equal(failed?.error?.code, 'WORKER_LOST');
  assert.match(failed?.error?.message ?? '', /workers running this job stopped before it finished/);
  const { summary } = await last.stop();
  assert.deepEqual(summary.jobs, { abandoned: 1 }, 'the last worker did not run it a third time');
  inStore(home.dir, (workspace) => assert.deepEqual(listDatasets(workspace.db), []));
});

test('cancelling from a desk stops the job on its worker; a waiting job is cancelled before any worker takes it', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const home = tempHome('attest-queue');
  t.after(() => home.cleanup());
  const running = await startServer({
    home: home.dir,
    rendererDir: fakeRenderer(home.dir),
    queue: redis.url,
  });
  t.after(() => running.close());
  // Nobody takes jobs yet: this one waits, and is cancelled while it waits.
  const waiting = await startJob(running, syntheticJob('never', 2, 20));
  const refused = await call(running, 'jobs.cancel', { jobId: waiting.id });
  assert.deepEqual(refused['value'], { cancelled: true });

  const worker = await startWorker(home.dir, redis.url);
  t.after(() => worker.stop());
  const long = await startJob(running, syntheticJob('stopped', 200, 1200));
  await waitForJobs(
    running,
    (jobs) => jobs.some((j) => j.id === long.id && j.state === 'running'),
    'the job to start',
  );
  assert.deepEqual((await call(running, 'jobs.cancel', { jobId: long.id }))['value'], { cancelled: true });
  const jobs = await waitForJobs(
    running,
    (all) => all.some((j) => j.id === long.id && j.state !== 'running'),
    'the cancelled job to stop',
  );
  assert.equal(jobs.find((j) => j.id === long.id)?.state, 'cancelled');
  assert.equal(jobs.find((j) => j.id === waiting.id)?.state, 'cancelled');
  const { summary } = await worker.stop();
  assert.deepEqual(summary.jobs, { cancelled: 1 }, 'the job cancelled while waiting never ran');
  inStore(home.dir, (workspace) => assert.deepEqual(listDatasets(workspace.db), []));
});

test('with Redis unreachable a job is refused with a message and nothing is stored; a worker says so and exits 2', async (t) => {
  const home = tempHome('attest-queue');
  t.after(() => home.cleanup());
  const nowhere = `redis://127.0.0.1:${await freePort()}`;
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir), queue: nowhere });
  t.after(() => running.close());
  const answer = await call(running, 'jobs.start', syntheticJob('refused', 2, 20));
  assert.equal(answer['ok'], false);
  const error = answer['error'] as { message: string };
  assert.match(
    error.message,
    /job queue at redis:\/\/127\.0\.0\.1:\d+ does not answer, so the job was not started/,
  );
  assert.deepEqual(((await call(running, 'jobs.list', {}))['value'] as { jobs: JobView[] }).jobs, []);
  inStore(home.dir, (workspace) => assert.deepEqual(listJobs(workspace.db), [], 'nothing stored as queued'));

  const worker = await runCli(['worker', '--home', home.dir, '--queue', nowhere, '--json']);
  assert.equal(worker.code, 2, worker.stderr);
  assert.match(
    String((worker.json['error'] as { message?: string } | undefined)?.message),
    /does not answer/,
  );
  const bad = await runCli(['worker', '--home', home.dir, '--queue', 'http://127.0.0.1:1', '--json']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a Redis URL/);
});

test('with Redis gone after the server started, a job is refused and nothing more is stored', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const home = tempHome('attest-queue');
  t.after(() => home.cleanup());
  const running = await startServer({
    home: home.dir,
    rendererDir: fakeRenderer(home.dir),
    queue: redis.url,
  });
  t.after(() => running.close());
  const queued = await startJob(running, syntheticJob('before', 2, 20));
  await redis.kill();
  const answer = await call(running, 'jobs.start', syntheticJob('after', 2, 20));
  assert.equal(answer['ok'], false);
  assert.match(
    (answer['error'] as { message: string }).message,
    /does not answer, so the job was not started/,
  );
  inStore(home.dir, (workspace) =>
    assert.deepEqual(
      listJobs(workspace.db).map((j) => [j.id, j.status]),
      [[queued.id, 'queued']],
    ),
  );
});
