import type { Db } from './database.js';
import { getJob, type JobRow } from './jobs.js';
import { utcNow } from '../util/ids.js';

/**
 * The store's side of the site job queue. Redis only carries a job's id; the job itself (its settings, state,
 * progress and result) lives here, and every change of state is a conditional UPDATE, so that two workers
 * handed the same job (a redelivery after a lost lock) cannot both start it from the queue or both record an
 * outcome: the row belongs to one claim at a time.
 */

export interface QueuedJobRow extends JobRow {
  queue: string;
  claim: string | null;
  cancelRequested: boolean;
}

export function insertQueuedJob(
  db: Db,
  id: string,
  kind: string,
  params: Record<string, unknown>,
  queue: string,
): void {
  db.prepare(
    `INSERT INTO jobs (id, kind, status, params_json, message, created_at, queue)
     VALUES (?, ?, 'queued', ?, 'waiting for a worker', ?, ?)`,
  ).run(id, kind, JSON.stringify(params), utcNow(), queue);
}

/** Takes back a job the queue refused (Redis unreachable): nothing stays stored as queued. */
export function forgetQueuedJob(db: Db, id: string): void {
  db.prepare("DELETE FROM jobs WHERE id = ? AND status = 'queued' AND claim IS NULL").run(id);
}

export function getQueuedJob(db: Db, id: string): QueuedJobRow | undefined {
  const job = getJob(db, id);
  const extra = db.prepare('SELECT queue, claim, cancel_requested FROM jobs WHERE id = ?').get(id) as
    { queue: string | null; claim: string | null; cancel_requested: number } | undefined;
  if (job === undefined || extra === undefined || extra.queue === null) return undefined;
  return { ...job, queue: extra.queue, claim: extra.claim, cancelRequested: extra.cancel_requested === 1 };
}

/** The newest jobs of the queue first, for the job list of every desk. */
export function listQueuedJobs(db: Db, limit = 200): QueuedJobRow[] {
  const ids = db
    .prepare('SELECT id FROM jobs WHERE queue IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT ?')
    .all(limit) as { id: string }[];
  return ids.flatMap(({ id }) => getQueuedJob(db, id) ?? []);
}

export type ClaimOutcome =
  | { claimed: true; takenOver: false }
  /** The run that stopped: its worker's process id and when it started, to find what it had written. */
  | { claimed: true; takenOver: true; previous: { pid: number | null; startedAt: string | null } }
  | { claimed: false; reason: 'missing' | 'cancelled' | 'finished' | 'owned-by-another' };

/**
 * A worker's claim on a job it was handed. A queued job is claimed by exactly one worker (queued -> running is
 * conditional). A running job is taken over only when `takeOver` says the queue redelivered it because its
 * worker stopped renewing its lock (killed, or its machine lost): the new claim replaces the old one, whose
 * outcome can then no longer be recorded.
 */
export function claimQueuedJob(db: Db, id: string, token: string, takeOver: boolean): ClaimOutcome {
  const row = getQueuedJob(db, id);
  if (row === undefined) return { claimed: false, reason: 'missing' };
  if (row.status === 'queued') {
    if (row.cancelRequested) return { claimed: false, reason: 'cancelled' };
    const claimed = db
      .prepare(
        `UPDATE jobs SET status = 'running', claim = ?, pid = ?, started_at = ?, message = 'starting'
         WHERE id = ? AND status = 'queued' AND cancel_requested = 0`,
      )
      .run(token, process.pid, utcNow(), id);
    return claimed.changes === 1 ? { claimed: true, takenOver: false } : claimQueuedJob(db, id, token, false);
  }
  if (row.status !== 'running')
    return { claimed: false, reason: row.status === 'cancelled' ? 'cancelled' : 'finished' };
  if (row.claim === token) return { claimed: true, takenOver: false };
  if (!takeOver) return { claimed: false, reason: 'owned-by-another' };
  const taken = db
    .prepare(
      `UPDATE jobs SET claim = ?, pid = ?, started_at = ?, progress = 0,
         message = 'the worker that ran it stopped: running it again'
       WHERE id = ? AND status = 'running' AND claim IS ?`,
    )
    .run(token, process.pid, utcNow(), id, row.claim);
  return taken.changes === 1
    ? { claimed: true, takenOver: true, previous: { pid: row.pid, startedAt: row.startedAt } }
    : { claimed: false, reason: 'owned-by-another' };
}

/** What the worker running a job learns at each progress write: whether it still owns it, and Cancel. */
export interface ClaimState {
  owned: boolean;
  cancelRequested: boolean;
}

export function updateClaimedProgress(
  db: Db,
  id: string,
  token: string,
  progress: number,
  message: string,
): ClaimState {
  db.prepare(
    "UPDATE jobs SET progress = ?, message = ? WHERE id = ? AND claim = ? AND status = 'running'",
  ).run(progress, message, id, token);
  return claimState(db, id, token);
}

export function claimState(db: Db, id: string, token: string): ClaimState {
  const row = db.prepare('SELECT status, claim, cancel_requested FROM jobs WHERE id = ?').get(id) as
    { status: string; claim: string | null; cancel_requested: number } | undefined;
  return {
    owned: row !== undefined && row.status === 'running' && row.claim === token,
    cancelRequested: row?.cancel_requested === 1,
  };
}

/** Records the outcome of the claim's run; false (nothing written) when the job is no longer this claim's. */
export function finishClaimedJob(
  db: Db,
  id: string,
  token: string,
  status: 'succeeded' | 'failed' | 'cancelled',
  outcome: { result?: unknown; error?: { code: string; message: string } },
): boolean {
  const message =
    status === 'succeeded'
      ? 'done'
      : status === 'cancelled'
        ? 'cancelled'
        : (outcome.error?.message ?? 'failed');
  const finished = db
    .prepare(
      `UPDATE jobs SET status = ?, finished_at = ?, result_json = ?, error_json = ?, message = ?,
         progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END
       WHERE id = ? AND claim = ? AND status = 'running'`,
    )
    .run(
      status,
      utcNow(),
      outcome.result === undefined ? null : JSON.stringify(outcome.result),
      outcome.error === undefined ? null : JSON.stringify(outcome.error),
      message,
      status,
      id,
      token,
    );
  return finished.changes === 1;
}

/**
 * Cancel from a desk: a job still waiting is cancelled at once (no worker will claim it); a running one is
 * flagged, and its worker stops it at its next cancellation point. False when the job is already over.
 */
export function requestQueuedJobCancel(db: Db, id: string): 'cancelled' | 'requested' | 'over' {
  const waiting = db
    .prepare(
      `UPDATE jobs SET status = 'cancelled', cancel_requested = 1, finished_at = ?, message = 'cancelled',
         error_json = ?
       WHERE id = ? AND status = 'queued'`,
    )
    .run(utcNow(), JSON.stringify({ code: 'CANCELLED', message: 'cancelled before it started' }), id);
  if (waiting.changes === 1) return 'cancelled';
  const running = db
    .prepare(
      `UPDATE jobs SET cancel_requested = 1, message = 'cancelling...' WHERE id = ? AND status = 'running'`,
    )
    .run(id);
  return running.changes === 1 ? 'requested' : 'over';
}

/** The queue gave up on a job (its workers kept stopping): failed with the reason, never left running. */
export function failAbandonedJob(db: Db, id: string, reason: string): boolean {
  const failed = db
    .prepare(
      `UPDATE jobs SET status = 'failed', finished_at = ?, error_json = ?, message = ?
       WHERE id = ? AND status IN ('queued', 'running') AND queue IS NOT NULL`,
    )
    .run(utcNow(), JSON.stringify({ code: 'WORKER_LOST', message: reason }), reason, id);
  return failed.changes === 1;
}

/**
 * The rows of `kind` that the process `pid` started since `since` for itself (a training's own job row, with its
 * checkpoints), newest first: what a stopped run of a queued job left to resume from.
 */
export function runRowsOf(db: Db, kind: string, pid: number, since: string): JobRow[] {
  const ids = db
    .prepare(
      `SELECT id FROM jobs WHERE kind = ? AND queue IS NULL AND pid = ? AND started_at >= ?
       ORDER BY started_at DESC, id DESC`,
    )
    .all(kind, pid, since) as { id: string }[];
  return ids.flatMap(({ id }) => getJob(db, id) ?? []);
}

/**
 * The row a queued job's run wrote for itself (a training's own job row): of `kind`, by the worker process
 * `pid`, started since `since`, with the job's settings among its params. Undefined when there is none.
 */
export function ownRunRow(
  db: Db,
  kind: string,
  pid: number,
  since: string,
  settings: Record<string, unknown>,
): JobRow | undefined {
  return runRowsOf(db, kind, pid, since).find((row) =>
    Object.entries(settings).every(
      ([key, value]) => JSON.stringify(row.params[key]) === JSON.stringify(value),
    ),
  );
}
