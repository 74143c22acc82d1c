import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import { getJob, insertRunningJob, markInterruptedJobs } from '../../src-main/core/store/jobs.js';
import {
  claimQueuedJob,
  claimState,
  failAbandonedJob,
  finishClaimedJob,
  forgetQueuedJob,
  getQueuedJob,
  insertQueuedJob,
  requestQueuedJobCancel,
  updateClaimedProgress,
} from '../../src-main/core/store/queued-jobs.js';
import { tempHome } from '../helpers/temp-home.js';

function freshDb(t: { after(fn: () => void): void }) {
  const home = tempHome('queued-jobs');
  const db = openDatabase(join(home.dir, 'attest.sqlite'));
  t.after(() => {
    db.close();
    home.cleanup();
  });
  return db;
}

test('0060 keeps the jobs of a database from before it: they are local jobs, not queued ones', (t) => {
  const home = tempHome('m0060');
  t.after(() => home.cleanup());
  const path = join(home.dir, 'a.sqlite');
  const old = openDatabase(
    path,
    MIGRATIONS.filter((m) => m.version < 60),
  );
  insertRunningJob(old, 'job-old', 'train', { epochs: 1 });
  old.close();
  const db = openDatabase(path);
  t.after(() => db.close());
  assert.equal(getJob(db, 'job-old')?.kind, 'train');
  assert.equal(getQueuedJob(db, 'job-old'), undefined);
});

test('a queued job is claimed by one worker only, and only its claim records the outcome', (t) => {
  const db = freshDb(t);
  insertQueuedJob(db, 'job-1', 'import-synthetic', { kind: 'import-synthetic' }, 'attest-jobs');
  assert.equal(getQueuedJob(db, 'job-1')?.status, 'queued');
  assert.deepEqual(claimQueuedJob(db, 'job-1', 'worker-a', false), { claimed: true, takenOver: false });
  // A second delivery without a stalled first run is refused.
  assert.deepEqual(claimQueuedJob(db, 'job-1', 'worker-b', false), {
    claimed: false,
    reason: 'owned-by-another',
  });
  assert.deepEqual(updateClaimedProgress(db, 'job-1', 'worker-a', 0.5, 'half'), {
    owned: true,
    cancelRequested: false,
  });
  assert.equal(getQueuedJob(db, 'job-1')?.progress, 0.5);
  // A redelivery after the first worker stopped: the new claim replaces the old one...
  const before = getQueuedJob(db, 'job-1');
  assert.deepEqual(claimQueuedJob(db, 'job-1', 'worker-b', true), {
    claimed: true,
    takenOver: true,
    previous: { pid: before?.pid ?? null, startedAt: before?.startedAt ?? null },
  });
  assert.equal(getQueuedJob(db, 'job-1')?.progress, 0);
  // ...so the first worker, were it still alive, learns it lost the job and cannot record an outcome.
  assert.equal(claimState(db, 'job-1', 'worker-a').owned, false);
  updateClaimedProgress(db, 'job-1', 'worker-a', 0.9, 'stale');
  assert.equal(getQueuedJob(db, 'job-1')?.message, 'the worker that ran it stopped: running it again');
  assert.equal(finishClaimedJob(db, 'job-1', 'worker-a', 'succeeded', { result: { from: 'a' } }), false);
  assert.equal(finishClaimedJob(db, 'job-1', 'worker-b', 'succeeded', { result: { from: 'b' } }), true);
  const done = getQueuedJob(db, 'job-1');
  assert.equal(done?.status, 'succeeded');
  assert.deepEqual(done?.result, { from: 'b' });
  // Done is done: a late delivery does not run it again.
  assert.deepEqual(claimQueuedJob(db, 'job-1', 'worker-c', true), { claimed: false, reason: 'finished' });
  assert.equal(finishClaimedJob(db, 'job-1', 'worker-b', 'failed', {}), false);
});

test('cancel: a waiting job at once, a running one through its worker; a refused submit leaves nothing', (t) => {
  const db = freshDb(t);
  insertQueuedJob(db, 'job-w', 'report', { kind: 'report' }, 'attest-jobs');
  assert.equal(requestQueuedJobCancel(db, 'job-w'), 'cancelled');
  assert.equal(getQueuedJob(db, 'job-w')?.status, 'cancelled');
  assert.deepEqual(claimQueuedJob(db, 'job-w', 'worker-a', false), { claimed: false, reason: 'cancelled' });

  insertQueuedJob(db, 'job-r', 'report', { kind: 'report' }, 'attest-jobs');
  claimQueuedJob(db, 'job-r', 'worker-a', false);
  assert.equal(requestQueuedJobCancel(db, 'job-r'), 'requested');
  assert.equal(getQueuedJob(db, 'job-r')?.status, 'running', 'the worker stops it, not the desk');
  assert.deepEqual(claimState(db, 'job-r', 'worker-a'), { owned: true, cancelRequested: true });
  assert.equal(finishClaimedJob(db, 'job-r', 'worker-a', 'cancelled', {}), true);
  assert.equal(requestQueuedJobCancel(db, 'job-r'), 'over');

  insertQueuedJob(db, 'job-x', 'report', { kind: 'report' }, 'attest-jobs');
  forgetQueuedJob(db, 'job-x');
  assert.equal(getJob(db, 'job-x'), undefined);
});

test('a job the queue gave up on is failed with the reason; local jobs and rows of live queued runs are left alone', (t) => {
  const db = freshDb(t);
  insertQueuedJob(db, 'job-q', 'train', { kind: 'train' }, 'attest-jobs');
  claimQueuedJob(db, 'job-q', 'worker-a', false);
  // The training's own row, written by the worker's process while it runs the queued job.
  insertRunningJob(db, 'job-inner', 'train', {});
  db.prepare("UPDATE jobs SET pid = 999999999 WHERE id IN ('job-q', 'job-inner')").run();
  insertRunningJob(db, 'job-local', 'train', {});
  db.prepare("UPDATE jobs SET pid = 999999998 WHERE id = 'job-local'").run();
  // Neither process is alive here: the local job is interrupted; the queue's are the queue's to settle.
  assert.equal(
    markInterruptedJobs(db, () => false),
    1,
  );
  assert.equal(getJob(db, 'job-local')?.status, 'interrupted');
  assert.equal(getJob(db, 'job-q')?.status, 'running');
  assert.equal(getJob(db, 'job-inner')?.status, 'running');
  assert.equal(failAbandonedJob(db, 'job-local', 'x'), false, 'not a queued job');
  assert.equal(failAbandonedJob(db, 'job-q', 'its workers stopped'), true);
  const failed = getQueuedJob(db, 'job-q');
  assert.equal(failed?.status, 'failed');
  assert.deepEqual(failed?.error, { code: 'WORKER_LOST', message: 'its workers stopped' });
  assert.equal(
    markInterruptedJobs(db, () => false),
    1,
    'once its queued job is over, the inner row is interrupted',
  );
});
