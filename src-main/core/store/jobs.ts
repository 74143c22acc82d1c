import type { Db } from './database.js';
import { utcNow } from '../util/ids.js';
import { isRecordingProcess } from '../util/process-identity.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface JobRow {
  id: string;
  kind: string;
  status: JobStatus;
  params: Record<string, unknown>;
  progress: number;
  message: string | null;
  result: unknown;
  error: unknown;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function insertRunningJob(db: Db, id: string, kind: string, params: Record<string, unknown>): void {
  const now = utcNow();
  db.prepare(
    `INSERT INTO jobs (id, kind, status, params_json, pid, created_at, started_at)
     VALUES (?, ?, 'running', ?, ?, ?, ?)`,
  ).run(id, kind, JSON.stringify(params), process.pid, now, now);
}

export function updateJobProgress(db: Db, id: string, progress: number, message: string): void {
  db.prepare('UPDATE jobs SET progress = ?, message = ? WHERE id = ?').run(progress, message, id);
}

export function finishJob(
  db: Db,
  id: string,
  status: Exclude<JobStatus, 'queued' | 'running'>,
  outcome: { result?: unknown; error?: unknown; message?: string },
): void {
  db.prepare(
    `UPDATE jobs SET status = ?, finished_at = ?, result_json = ?, error_json = ?, message = COALESCE(?, message),
       progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END
     WHERE id = ?`,
  ).run(
    status,
    utcNow(),
    outcome.result === undefined ? null : JSON.stringify(outcome.result),
    outcome.error === undefined ? null : JSON.stringify(outcome.error),
    outcome.message ?? null,
    status,
    id,
  );
}

export function getJob(db: Db, id: string): JobRow | undefined {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  return row === undefined ? undefined : toJob(row);
}

export function listJobs(db: Db): JobRow[] {
  return (db.prepare('SELECT * FROM jobs ORDER BY created_at, id').all() as Record<string, unknown>[]).map(
    toJob,
  );
}

/**
 * A job still marked running whose process is gone was cut off by a crash or a kill: mark it interrupted so
 * that the user sees what happened instead of a job that runs forever. A live process with the job's id that
 * started after the job did is another program that was given the same id, not the job's.
 */
export function markInterruptedJobs(
  db: Db,
  isRunning: (pid: number, startedAt: number) => boolean = isRecordingProcess,
): number {
  // A job from the site's job queue may run on another machine: its worker's pid means nothing here, and the
  // queue notices a worker that stopped (see core/store/queued-jobs.ts). The same holds for the rows a queued
  // job's run writes itself (a training's), which carry the pid of a worker that runs a queued job.
  const running = db
    .prepare(
      `SELECT id, pid, started_at FROM jobs WHERE status = 'running' AND queue IS NULL
         AND (pid IS NULL OR pid NOT IN (SELECT pid FROM jobs WHERE queue IS NOT NULL AND status = 'running' AND pid IS NOT NULL))`,
    )
    .all() as {
    id: string;
    pid: number | null;
    started_at: string | null;
  }[];
  let count = 0;
  for (const job of running) {
    if (job.pid === process.pid) continue;
    if (job.pid !== null && isRunning(job.pid, Date.parse(job.started_at ?? ''))) continue;
    finishJob(db, job.id, 'interrupted', {
      message: 'the process running this job stopped before it finished',
    });
    count++;
  }
  return count;
}

function toJob(row: Record<string, unknown>): JobRow {
  const parse = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : null);
  return {
    id: row['id'] as string,
    kind: row['kind'] as string,
    status: row['status'] as JobStatus,
    params: parse(row['params_json']) as Record<string, unknown>,
    progress: row['progress'] as number,
    message: (row['message'] as string | null) ?? null,
    result: parse(row['result_json']),
    error: parse(row['error_json']),
    pid: (row['pid'] as number | null) ?? null,
    createdAt: row['created_at'] as string,
    startedAt: (row['started_at'] as string | null) ?? null,
    finishedAt: (row['finished_at'] as string | null) ?? null,
  };
}

export function insertCheckpoint(
  db: Db,
  jobId: string,
  epoch: number,
  sha256: string,
  metrics: unknown,
): void {
  db.prepare(
    'INSERT OR REPLACE INTO checkpoints (job_id, epoch, artifact_sha256, metrics_json, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(jobId, epoch, sha256, JSON.stringify(metrics), utcNow());
}
