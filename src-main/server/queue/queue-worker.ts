import { hostname } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import { jobSpecSchema, describeIssues, type JobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import { AttestError } from '../../core/errors.js';
import { runAsActor } from '../../core/audit/log.js';
import {
  claimQueuedJob,
  claimState,
  failAbandonedJob,
  finishClaimedJob,
  getQueuedJob,
  ownRunRow,
  updateClaimedProgress,
} from '../../core/store/queued-jobs.js';
import { resumePointOf } from '../../core/pipelines/train/resume-training.js';
import { resumeTraining } from '../../core/pipelines/train/resume-job.js';
import { initEngine } from '../../core/engine/backend.js';
import { runJobSpec } from '../dispatch/job-runners.js';
import type { QueuedJobData } from './queued-job-desk.js';
import { QUEUE_NAME, redisConnection, redisPlace, within } from './redis-connection.js';

export interface WorkerOptions {
  url: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal: a worker silent for longer is taken for dead. */
  lockMs: number;
  log(message: string): void;
}

/** How often a running job's row is read for Cancel from a desk, between its own progress writes. */
const WATCH_MS = 300;
/** Progress is written to the store at most this often. */
const PROGRESS_MS = 300;

/**
 * `attest worker`: takes jobs from the queue and runs them with the same runners as the desktop engine,
 * writing state, progress and outcome to the store. A job is run only under a claim in the store (see
 * core/store/queued-jobs.ts); a job whose worker stopped is handed to another worker by BullMQ's stalled-job
 * check and run again from the start, and a job that stalls twice is failed with the reason.
 */
export interface RunningWorker {
  /** Jobs this worker ran to an outcome, by outcome ('succeeded', 'failed', 'not run: finished', ...). */
  counts: Record<string, number>;
  close(): Promise<void>;
}

export async function startQueueWorker(workspace: Workspace, options: WorkerOptions): Promise<RunningWorker> {
  const connection = redisConnection(options.url);
  const queue = new Queue(QUEUE_NAME, { connection: { ...connection, enableOfflineQueue: false } });
  let lastError: string | undefined;
  queue.on('error', (error) => (lastError = error.message));
  try {
    await within(queue.waitUntilReady(), 5000, `the job queue at ${redisPlace(options.url)} does not answer`);
  } catch (error) {
    await queue.close().catch(() => undefined);
    if (lastError !== undefined && error instanceof Error) error.message += ` (${lastError})`;
    throw error;
  }
  const counts: Record<string, number> = {};
  const run = async (job: Job<QueuedJobData>, token: string | undefined) => {
    const outcome = await runQueuedJob(workspace, job, token, options);
    counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
    return outcome;
  };
  const worker = new Worker<QueuedJobData>(QUEUE_NAME, run, {
    connection: { ...connection, maxRetriesPerRequest: null },
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: Math.max(500, Math.round(options.lockMs / 2)),
    maxStalledCount: 1,
  });
  worker.on('error', (error) => options.log(`job queue: ${error.message}`));
  worker.on('stalled', (jobId) => options.log(`job ${jobId}: its worker stopped; the queue hands it on`));
  // Jobs never fail to BullMQ (their outcome is in the store), so a failure is BullMQ giving up on the job: it
  // stalled more than once (its workers kept stopping). The row must say so rather than stay "running".
  worker.on('failed', (job, error) => {
    if (job?.id === undefined) return;
    const reason = `the workers running this job stopped before it finished (${error.message})`;
    if (!failAbandonedJob(workspace.db, job.id, reason)) return;
    counts['abandoned'] = (counts['abandoned'] ?? 0) + 1;
    options.log(`job ${job.id}: failed: ${reason}`);
  });
  await worker.waitUntilReady();
  return {
    counts,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

async function runQueuedJob(
  workspace: Workspace,
  job: Job<QueuedJobData>,
  lockToken: string | undefined,
  options: WorkerOptions,
): Promise<{ status: string }> {
  const id = job.id ?? '';
  const token = `${hostname()}:${process.pid}:${lockToken ?? Math.random().toString(36).slice(2)}`;
  // A second start of the same BullMQ job means its first worker stopped renewing its lock.
  const claim = claimQueuedJob(workspace.db, id, token, job.attemptsStarted > 1);
  if (!claim.claimed) {
    options.log(`job ${id}: not run (${claim.reason})`);
    return { status: `not run: ${claim.reason}` };
  }
  options.log(
    `job ${id}: ${claim.takenOver ? 'running again after its worker stopped' : 'running'} (${job.name})`,
  );
  const row = getQueuedJob(workspace.db, id);
  const parsed = jobSpecSchema.safeParse(row?.params);
  if (!parsed.success) {
    const message = `the stored settings of job ${id} are not a job: ${describeIssues(parsed.error)}`;
    finishClaimedJob(workspace.db, id, token, 'failed', { error: { code: 'BAD_INPUT', message } });
    return { status: 'failed' };
  }
  const controller = new AbortController();
  const stopIfAsked = (state: { owned: boolean; cancelRequested: boolean }) => {
    if ((!state.owned || state.cancelRequested) && !controller.signal.aborted) controller.abort();
  };
  const watch = setInterval(() => stopIfAsked(claimState(workspace.db, id, token)), WATCH_MS);
  let lastWrite = 0;
  const context: JobContext = {
    signal: controller.signal,
    progress(fraction, message) {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_MS) return;
      lastWrite = now;
      const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
      stopIfAsked(updateClaimedProgress(workspace.db, id, token, clamped, message));
    },
    log: (message) => options.log(`job ${id}: ${message}`),
  };
  try {
    const spec = parsed.data;
    const work = () =>
      claim.takenOver
        ? runAgain(workspace, spec, claim.previous, context)
        : runJobSpec(workspace, spec, context);
    const result = await (job.data.actor !== undefined ? runAsActor(job.data.actor, work) : work());
    const recorded = finishClaimedJob(workspace.db, id, token, 'succeeded', { result });
    options.log(
      `job ${id}: ${recorded ? 'succeeded' : 'finished, but another worker owns it now: outcome not recorded'}`,
    );
    return { status: recorded ? 'succeeded' : 'superseded' };
  } catch (error) {
    const code = error instanceof AttestError ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    const status = code === 'CANCELLED' ? 'cancelled' : 'failed';
    finishClaimedJob(workspace.db, id, token, status, { error: { code, message } });
    options.log(`job ${id}: ${status}: ${message}`);
    // The job's outcome is in the store; to the queue it is done either way (no retry of a job that failed).
    return { status };
  } finally {
    clearInterval(watch);
  }
}

/**
 * A job whose worker stopped, run again: a training resumes from the last checkpoint its stopped run wrote (the
 * same resume as `attest train --resume`); anything else, and a training that had no checkpoint yet, starts
 * over. The stopped run's own training row is found by the stopped worker's process id and its start time.
 */
async function runAgain(
  workspace: Workspace,
  spec: JobSpec,
  previous: { pid: number | null; startedAt: string | null },
  context: JobContext,
): Promise<unknown> {
  if (spec.kind === 'train' && previous.pid !== null && previous.startedAt !== null) {
    const { kind: _kind, ...options } = spec;
    const stopped = ownRunRow(workspace.db, 'train', previous.pid, previous.startedAt, options);
    if (stopped !== undefined) {
      try {
        resumePointOf(workspace, stopped.id);
      } catch (error) {
        context.log(
          `cannot resume training ${stopped.id} (${(error as Error).message}): training again from the start`,
        );
        return runJobSpec(workspace, spec, context);
      }
      await initEngine();
      return resumeTraining(
        workspace,
        stopped.id,
        spec.maxMinutes !== undefined ? { maxMinutes: spec.maxMinutes } : {},
        context,
      );
    }
  }
  return runJobSpec(workspace, spec, context);
}
