import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { badInput } from '../src-main/core/errors.js';
import { Workspace } from '../src-main/core/store/workspace.js';
import { listQueuedJobs } from '../src-main/core/store/queued-jobs.js';
import { listDatasets } from '../src-main/core/store/datasets.js';
import { addUser } from '../src-main/core/audit/users.js';
import { runAsActor } from '../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../src-main/core/audit/verify.js';
import { startServer } from '../src-main/server/serve.js';
import { QUEUE_NAME, redisConnection } from '../src-main/server/queue/redis-connection.js';
import { launchRedis, REDIS_SERVER, type TestRedis } from '../test/helpers/redis-server.js';
import { seedRecords } from '../test/audit/fixtures.js';
import { percentile, SiteHttp } from './site-http.js';
import { runReviewer, type ReviewerTally } from './site-reviewers.js';

const ATTEST_BIN = fileURLToPath(new URL('../../bin/attest.js', import.meta.url));

/** Jobs started at once by the operator's desk: enough that the workers, not the submission, set the pace. */
const SUBMIT_AT_ONCE = 25;
/** A killed worker's jobs are handed on after this long without a lock renewal (the default is 30 s). */
const LOCK_SECONDS = 5;
const REVIEWERS = 10;

/**
 * `attest bench --site` (`npm run bench -- --site`): the site job queue under load, on this machine. A Redis on
 * loopback (append-only file, so a killed Redis comes back with its queue), a server with the queue and
 * `workers` worker processes. An operator starts `jobs` small jobs (synthetic ECG imports of two short records)
 * over HTTP, SUBMIT_AT_ONCE at a time, into the paused queue (timed as submit_seconds); then the 10 reviewers sign in,
 * the queue resumes and they list, verify the trail and sign over HTTP while the workers run the jobs (timed as
 * seconds, the jobs-per-minute figure). When a third of the jobs have ended one worker is killed (SIGKILL) and
 * another started; at two thirds Redis is killed and restarted. Reports request latencies (p50/p95, by action)
 * and checks per job id that every job ended once (one dataset, one import event), that every signature a
 * reviewer was told of is in the trail, and that the trail verifies.
 */
export async function runSiteBench(options: {
  jobs: number;
  workers: number;
}): Promise<Record<string, unknown>> {
  if (!existsSync(REDIS_SERVER))
    throw badInput(`bench --site needs ${REDIS_SERVER} (Debian package redis-server)`);
  const redis = await launchRedis({ appendOnly: true });
  const home = mkdtempSync(join(tmpdir(), 'attest-site-bench-'));
  const records = seedHome(home);
  const workers: ChildProcess[] = [];
  const starting: Promise<unknown>[] = [];
  const running = await startServer({ home, queue: redis.url });
  const stop = { done: false };
  let reviewers: Promise<ReviewerTally[]> | undefined;
  let held: Queue | undefined;
  try {
    for (let i = 0; i < options.workers; i++) workers.push(await startWorker(home, redis.url));
    const http = new SiteHttp(running.port, running.token);
    const operator = await http.signIn('olga', OPERATOR_PASSWORD);
    // The queue is paused while the jobs are started, so that the figure measures the workers, not the desk:
    // the starts are timed on their own (submit_seconds), then the queue resumes with the reviewers at work.
    held = new Queue(QUEUE_NAME, { connection: redisConnection(redis.url) });
    // Idle through the Redis restart below: its reconnection errors are expected, not the bench's failure.
    held.on('error', () => undefined);
    await held.pause();
    const submitting = Date.now();
    // A start refused while Redis is down stores nothing; the desk starts it again once Redis is back.
    const refusedStarts: string[] = [];
    let pending = Array.from({ length: options.jobs }, (_, i) => i);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      if (attempt > 120)
        throw new Error(`jobs still refused after a minute: ${refusedStarts.slice(-3).join('; ')}`);
      const refused: number[] = [];
      for (let first = 0; first < pending.length; first += SUBMIT_AT_ONCE) {
        const batch = pending.slice(first, first + SUBMIT_AT_ONCE);
        const answers = await Promise.all(batch.map((i) => http.call('jobs.start', benchJob(i), operator)));
        answers.forEach((a, k) => {
          if (a.ok) return;
          refused.push(batch[k] ?? -1);
          refusedStarts.push(`bench-${batch[k]}: ${a.error?.message ?? '?'}`);
        });
      }
      pending = refused;
    }
    const submitSeconds = (Date.now() - submitting) / 1000;
    // Signed in before the run (each sign-in hashes a password on the server), then at work all at once.
    const sessions = await Promise.all(
      Array.from({ length: REVIEWERS }, (_, i) => http.signIn(`rev${i}`, reviewerPassword(i))),
    );
    reviewers = Promise.all(
      sessions.map((session, i) =>
        runReviewer(http, { name: `rev${i}`, password: reviewerPassword(i), session }, records, stop),
      ),
    );

    const started = Date.now();
    await held.resume();
    // The faults are set off by the jobs' progress.
    const faults: string[] = [];
    const watching = (async () => {
      let state = jobState(home, options.jobs);
      while (state.over < options.jobs) {
        if (faults.length === 0 && state.over >= options.jobs / 3) {
          faults.push(killAndReplaceWorker(workers, starting, home, redis.url, state.over));
        } else if (faults.length === 1 && state.over >= (2 * options.jobs) / 3) {
          faults.push(await killAndRestartRedis(redis, state.over));
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = jobState(home, options.jobs);
      }
    })();
    await watching;
    if (faults.length < 2) faults.push('not reached: every job had ended before the next fault was due');
    const seconds = (Date.now() - started) / 1000;
    stop.done = true;
    const tallies = await reviewers;
    return {
      workers: options.workers,
      jobs: options.jobs,
      job: 'import-synthetic, 2 records of 10 s',
      reviewers: REVIEWERS,
      submit_seconds: round(submitSeconds),
      seconds: round(seconds),
      jobs_per_minute: Math.round((options.jobs / seconds) * 60 * 10) / 10,
      faults,
      starts_refused_then_repeated: refusedStarts.length,
      first_refusal: refusedStarts[0] ?? null,
      requests: requestFigures(http),
      reviewer_rounds: tallies.reduce((n, t) => n + t.rounds, 0),
      reviewer_refusals: tallies.flatMap((t) => t.refused).slice(0, 5),
      ...finalChecks(
        home,
        options.jobs,
        tallies.reduce((n, t) => n + t.signed, 0),
      ),
    };
  } finally {
    stop.done = true;
    await reviewers?.catch(() => undefined);
    await Promise.allSettled(starting);
    await held?.close().catch(() => undefined);
    for (const child of workers) child.kill('SIGINT');
    await Promise.all(
      workers.map(
        (child) =>
          new Promise((resolve) =>
            child.exitCode !== null || child.signalCode !== null
              ? resolve(null)
              : child.once('exit', resolve),
          ),
      ),
    );
    await running.close();
    await redis.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const OPERATOR_PASSWORD = 'operator-pass-0001';
const reviewerPassword = (i: number): string => `reviewer-pass-${1000 + i}`;
const round = (x: number): number => Math.round(x * 100) / 100;
const benchJob = (i: number) => ({
  kind: 'import-synthetic',
  name: `bench-${i}`,
  records: 2,
  seconds: 10,
  seed: i + 1,
  split: 'records:1:0.34',
});

/** Accounts (an administrator, the operator who starts the jobs, the reviewers) and a model to sign. */
function seedHome(home: string): { modelId: string; validationId: string } {
  const workspace = Workspace.open(home);
  try {
    const seeded = seedRecords(workspace);
    addUser(workspace.db, {
      name: 'alice',
      printedName: 'Alice Admin',
      role: 'administrator',
      password: 'admin-pass-0001',
    });
    runAsActor('user:alice', () => {
      addUser(workspace.db, {
        name: 'olga',
        printedName: 'Olga Operator',
        role: 'operator',
        password: OPERATOR_PASSWORD,
      });
      for (let i = 0; i < REVIEWERS; i++)
        addUser(workspace.db, {
          name: `rev${i}`,
          printedName: `Reviewer ${i}`,
          role: 'reviewer',
          password: reviewerPassword(i),
        });
    });
    return { modelId: seeded.modelId, validationId: seeded.validationId };
  } finally {
    workspace.close();
  }
}

function startWorker(home: string, url: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [ATTEST_BIN, 'worker', '--home', home, '--queue', url, '--lock-seconds', String(LOCK_SECONDS)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('takes jobs from')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`a worker exited (${code}) before it started:\n${log}`)));
  });
}

/** Kills a worker at once; its replacement starts in the background, so the watch for the next fault goes on. */
function killAndReplaceWorker(
  workers: ChildProcess[],
  starting: Promise<unknown>[],
  home: string,
  url: string,
  over: number,
): string {
  const victim = workers.shift();
  victim?.kill('SIGKILL');
  starting.push(startWorker(home, url).then((child) => workers.push(child)));
  return `worker killed (SIGKILL) after ${over} jobs had ended, another started`;
}

async function killAndRestartRedis(redis: TestRedis, over: number): Promise<string> {
  await redis.kill();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await redis.restart();
  return `Redis killed (SIGKILL) after ${over} jobs had ended, restarted 1 s later on its append-only file`;
}

function jobState(home: string, jobs: number): { over: number } {
  const workspace = Workspace.open(home);
  try {
    const rows = listQueuedJobs(workspace.db, jobs);
    return { over: rows.filter((r) => r.status !== 'queued' && r.status !== 'running').length };
  } finally {
    workspace.close();
  }
}

function requestFigures(http: SiteHttp): Record<string, unknown> {
  const all = [...http.latencies.values()].flat();
  const byAction: Record<string, unknown> = {};
  for (const [action, values] of [...http.latencies].sort()) {
    byAction[action] = { n: values.length, p50_ms: percentile(values, 50), p95_ms: percentile(values, 95) };
  }
  // The reviewers' own requests (lists, verification, signatures), without the operator's starts and the sign-ins.
  const reviewing = [...http.latencies]
    .filter(([action]) => action !== 'jobs.start' && action !== 'session.signIn')
    .flatMap(([, values]) => values);
  return {
    n: all.length,
    p50_ms: percentile(all, 50),
    p95_ms: percentile(all, 95),
    reviewers: { n: reviewing.length, p50_ms: percentile(reviewing, 50), p95_ms: percentile(reviewing, 95) },
    by_action: byAction,
  };
}

/**
 * Per job id: each job ended once (succeeded, its dataset stored once and announced by one audit event), none
 * lost; every signature a reviewer was told of is in the trail; and the trail verifies.
 */
function finalChecks(home: string, jobs: number, signed: number): Record<string, unknown> {
  const workspace = Workspace.open(home);
  try {
    const rows = listQueuedJobs(workspace.db, jobs + 10);
    const datasets = listDatasets(workspace.db);
    const perName = new Map<string, number>();
    for (const d of datasets) perName.set(d.name, (perName.get(d.name) ?? 0) + 1);
    const names = Array.from({ length: jobs }, (_, i) => `bench-${i}`);
    const importEvents = workspace.db
      .prepare(
        `SELECT d.name AS name, COUNT(e.seq) AS n FROM datasets d
         LEFT JOIN audit_events e ON e.entity_id = d.id AND e.action = 'dataset.import' GROUP BY d.id`,
      )
      .all() as { name: string; n: number }[];
    const signEvents = (
      workspace.db.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'record.sign'").get() as {
        n: number;
      }
    ).n;
    const verified = verifyAuditTrail(workspace);
    return {
      succeeded: rows.filter((r) => r.status === 'succeeded').length,
      not_succeeded: rows.filter((r) => r.status !== 'succeeded').map((r) => `${r.id} ${r.status}`),
      jobs_lost: names.filter((n) => !perName.has(n)).length,
      jobs_run_twice: [...perName.values()].filter((n) => n > 1).length,
      import_events_not_once: importEvents.filter((r) => r.n !== 1).length,
      signatures_acknowledged: signed,
      signature_events: signEvents,
      audit_events_lost: Math.max(0, signed - signEvents),
      chain_intact: verified.ok,
      audit_events: verified.events,
      problems: verified.problems.slice(0, 3).map((p) => p.message),
    };
  } finally {
    workspace.close();
  }
}
