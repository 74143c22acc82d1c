import type { EngineEvent, JobSpec, JobView } from '../../contract/index.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import { AttestError } from '../../core/errors.js';
import { randomBytes } from 'node:crypto';
import { estimateRemainingSeconds } from './remaining-time.js';

export type JobRunner = (
  spec: JobSpec,
  context: JobContext,
  jobId: string,
  actor: string | undefined,
) => Promise<unknown>;

interface QueuedJob {
  view: JobView;
  spec: JobSpec;
  controller: AbortController;
  /** Who asked for the job: its audit events name this user, however long it waited in the queue. */
  actor: string | undefined;
}

/** Progress events per job are limited to this rate: a training reports every batch. */
const PROGRESS_INTERVAL_MS = 200;

/**
 * Runs jobs one at a time, in the order they were asked for: TF.js and the SQLite writer are single, and one
 * job at full speed finishes sooner than two sharing two cores. Every change is pushed as an event.
 */
export class JobQueue {
  private readonly jobs = new Map<string, QueuedJob>();
  private readonly waiting: QueuedJob[] = [];
  private running: QueuedJob | undefined;

  constructor(
    private readonly runner: JobRunner,
    private readonly emit: (event: EngineEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  list(): JobView[] {
    return [...this.jobs.values()].map((job) => ({ ...job.view }));
  }

  enqueue(spec: JobSpec, title: string, actor?: string): JobView {
    const job: QueuedJob = {
      spec,
      actor,
      controller: new AbortController(),
      view: {
        id: `q-${randomBytes(6).toString('hex')}`,
        kind: spec.kind,
        title,
        state: 'queued',
        fraction: 0,
        message: 'waiting for the jobs before it',
        queuedAt: this.now(),
        startedAt: null,
        finishedAt: null,
        remainingSeconds: null,
      },
    };
    this.jobs.set(job.view.id, job);
    this.waiting.push(job);
    this.publish(job);
    queueMicrotask(() => this.next());
    return { ...job.view };
  }

  /** Cancels a queued job at once, a running one at its next cancellation point; false if already over. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new AttestError('NOT_FOUND', `no job with id ${jobId}`);
    if (job.view.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      this.finish(job, 'cancelled', { error: { code: 'CANCELLED', message: 'cancelled before it started' } });
      return true;
    }
    if (job.view.state !== 'running') return false;
    job.view.message = 'cancelling...';
    job.controller.abort();
    this.publish(job);
    return true;
  }

  /** Resolves when nothing is queued or running (for tests and an orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined || this.waiting.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private next(): void {
    if (this.running !== undefined) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.running = job;
    job.view.state = 'running';
    job.view.startedAt = this.now();
    job.view.message = 'starting';
    this.publish(job);
    let lastPublished = 0;
    const context: JobContext = {
      signal: job.controller.signal,
      progress: (fraction, message) => {
        const started = job.view.startedAt ?? this.now();
        job.view.fraction = Math.min(1, Math.max(0, fraction));
        job.view.message = message;
        job.view.remainingSeconds = estimateRemainingSeconds(this.now() - started, job.view.fraction);
        if (this.now() - lastPublished >= PROGRESS_INTERVAL_MS) {
          lastPublished = this.now();
          this.publish(job);
        }
      },
      log: (message) => this.emit({ type: 'job.log', jobId: job.view.id, message }),
    };
    // A macrotask before the work starts, so that the 'running' event leaves before a synchronous importer
    // holds the thread.
    setTimeout(() => {
      this.runner(job.spec, context, job.view.id, job.actor).then(
        (result) => this.finish(job, 'succeeded', { result }),
        (error: unknown) => {
          const code = error instanceof AttestError ? error.code : 'INTERNAL';
          const message = error instanceof Error ? error.message : String(error);
          this.finish(job, code === 'CANCELLED' ? 'cancelled' : 'failed', { error: { code, message } });
        },
      );
    }, 0);
  }

  private finish(
    job: QueuedJob,
    state: 'succeeded' | 'failed' | 'cancelled',
    outcome: { result?: unknown; error?: { code: string; message: string } },
  ): void {
    job.view.state = state;
    job.view.finishedAt = this.now();
    job.view.remainingSeconds = null;
    if (state === 'succeeded') job.view.fraction = 1;
    job.view.message =
      state === 'succeeded'
        ? 'done'
        : state === 'cancelled'
          ? 'cancelled'
          : (outcome.error?.message ?? 'failed');
    if (outcome.result !== undefined) job.view.result = outcome.result;
    if (outcome.error !== undefined) job.view.error = outcome.error;
    this.publish(job);
    if (this.running === job) {
      this.running = undefined;
      this.next();
    }
  }

  private publish(job: QueuedJob): void {
    this.emit({ type: 'job', job: { ...job.view } });
  }
}
