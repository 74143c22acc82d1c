import { Queue } from 'bullmq';
import type { EngineEvent, JobSpec, JobView } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { AttestError } from '../../core/errors.js';
import { newId } from '../../core/util/ids.js';
import {
  forgetQueuedJob,
  getQueuedJob,
  insertQueuedJob,
  listQueuedJobs,
  ownRunRow,
  requestQueuedJobCancel,
  type QueuedJobRow,
} from '../../core/store/queued-jobs.js';
import { namedJobTitle } from '../dispatch/named-job-title.js';
import { estimateRemainingSeconds } from '../dispatch/remaining-time.js';
import { epochsOfJob } from '../dispatch/training-epochs.js';
import { QUEUE_NAME, redisConnection, redisPlace, within } from './redis-connection.js';

/** What a worker needs beside the store's row: who asked, so that the job's audit events name them. */
export interface QueuedJobData {
  actor?: string;
}

/** How often the desk looks at the store for what the workers wrote (progress, outcome). */
const POLL_MS = 400;

/** Job kinds whose runs checkpoint each epoch: the desk streams their epochs as live curves. */
const EPOCH_KINDS = new Set(['train', 'compress', 'detect-train']);

/**
 * The engine's job list when the server runs with a job queue (`attest serve --queue URL`): a submitted job is
 * stored as queued, then put on the BullMQ queue under the store's job id (so it is never queued twice), and
 * workers run it. Workers write progress and outcomes to the store; the desk reads them back and pushes them to
 * every browser as the same job events the local queue sends.
 */
export class QueuedJobDesk {
  private readonly queue: Queue;
  private lastError: string | undefined;
  private readonly seen = new Map<string, string>();
  /** The last epoch sent for each running queued job, by the job's id. */
  private readonly epochsSent = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly workspace: Workspace,
    private readonly url: string,
    private readonly emit: (event: EngineEvent) => void,
  ) {
    // A producer fails at once while Redis is away instead of holding the request in an offline queue.
    this.queue = new Queue(QUEUE_NAME, {
      connection: { ...redisConnection(url), enableOfflineQueue: false, maxRetriesPerRequest: 1 },
    });
    this.queue.on('error', (error) => (this.lastError = error.message));
    for (const row of listQueuedJobs(workspace.db)) this.seen.set(row.id, signature(row));
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  async start(spec: JobSpec, actor: string | undefined): Promise<JobView> {
    const refused = `the job queue at ${redisPlace(this.url)} does not answer, so the job was not started`;
    await within(
      this.queue.waitUntilReady(),
      3000,
      this.lastError !== undefined ? `${refused} (${this.lastError})` : refused,
    );
    const id = newId('job');
    insertQueuedJob(this.workspace.db, id, spec.kind, spec as Record<string, unknown>, QUEUE_NAME);
    try {
      const data: QueuedJobData = actor !== undefined ? { actor } : {};
      await within(
        this.queue.add(spec.kind, data, {
          jobId: id,
          attempts: 1,
          removeOnComplete: 1000,
          removeOnFail: 5000,
        }),
        5000,
        refused,
      );
    } catch (error) {
      forgetQueuedJob(this.workspace.db, id);
      throw error;
    }
    const row = getQueuedJob(this.workspace.db, id);
    if (row === undefined) throw new AttestError('INTERNAL', `job ${id} vanished from the store`);
    return this.view(row);
  }

  list(): JobView[] {
    return listQueuedJobs(this.workspace.db)
      .reverse()
      .map((row) => this.view(row));
  }

  /** Waiting: cancelled here and taken off the queue; running: flagged for its worker, which stops it. */
  async cancel(id: string): Promise<boolean> {
    if (getQueuedJob(this.workspace.db, id) === undefined)
      throw new AttestError('NOT_FOUND', `no job with id ${id}`);
    const outcome = requestQueuedJobCancel(this.workspace.db, id);
    if (outcome === 'cancelled') await this.queue.remove(id).catch(() => undefined);
    this.poll();
    return outcome !== 'over';
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.queue.close().catch(() => undefined);
  }

  /** Pushes a job event for every queued job whose row changed since the last look. */
  /** The store's last refusal while polling, said once rather than every poll. */
  private pollError: string | undefined;

  /** A store that does not answer (a site's PostgreSQL restarting) is said once and tried again next poll. */
  private poll(): void {
    try {
      this.pollOnce();
      if (this.pollError !== undefined) process.stderr.write('attest: the store answers again\n');
      this.pollError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.pollError)
        process.stderr.write(`attest: job progress not read: ${message}; trying again\n`);
      this.pollError = message;
    }
  }

  private pollOnce(): void {
    for (const row of listQueuedJobs(this.workspace.db)) {
      const now = signature(row);
      const changed = this.seen.get(row.id) !== now;
      // A job that has just ended may have checkpointed its last epoch since the previous look.
      if (row.status === 'running' || changed) this.sendEpochs(row);
      if (row.status !== 'running') this.epochsSent.delete(row.id);
      if (!changed) continue;
      this.seen.set(row.id, now);
      this.emit({ type: 'job', job: this.view(row) });
    }
  }

  /** The epochs a worker's training has checkpointed since the last look, as the local queue sends them. */
  private sendEpochs(row: QueuedJobRow): void {
    if (!EPOCH_KINDS.has(row.kind) || row.pid === null || row.startedAt === null) return;
    const { kind: _kind, ...settings } = row.params;
    const own = ownRunRow(this.workspace.db, row.kind, row.pid, row.startedAt, settings);
    if (own === undefined) return;
    for (const point of epochsOfJob(this.workspace.db, own.id, this.epochsSent.get(row.id) ?? 0)) {
      this.epochsSent.set(row.id, point.epoch);
      this.emit({ type: 'job.epoch', jobId: row.id, ...point });
    }
  }

  private view(row: QueuedJobRow): JobView {
    const state = row.status === 'interrupted' ? 'failed' : row.status;
    const startedAt = row.startedAt === null ? null : Date.parse(row.startedAt);
    const error = row.error as { code?: unknown; message?: unknown } | null;
    let title: string;
    try {
      title = namedJobTitle(this.workspace, row.params as JobSpec);
    } catch {
      title = row.kind;
    }
    return {
      id: row.id,
      kind: row.kind,
      title,
      state,
      fraction: row.progress,
      message: row.message ?? '',
      queuedAt: Date.parse(row.createdAt),
      startedAt,
      finishedAt: row.finishedAt === null ? null : Date.parse(row.finishedAt),
      remainingSeconds:
        state === 'running' && startedAt !== null
          ? estimateRemainingSeconds(Date.now() - startedAt, row.progress)
          : null,
      ...(row.result !== null ? { result: row.result } : {}),
      ...(error !== null && typeof error.code === 'string' && typeof error.message === 'string'
        ? { error: { code: error.code, message: error.message } }
        : {}),
    };
  }
}

function signature(row: QueuedJobRow): string {
  return `${row.status}|${row.progress}|${row.message ?? ''}`;
}
