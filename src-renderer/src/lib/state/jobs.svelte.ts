import type { EngineEvent, JobSpec, JobView, Result } from '../../../../src-main/contract/index.js';
import type { ApiClient } from '../api/client.js';

export interface EpochPoint {
  epoch: number;
  loss: number | null;
  accuracy: number | null;
  macroF1: number | null;
}

/** A running epoch's mean loss so far (see the job.batch event). */
export interface LivePoint {
  epoch: number;
  fraction: number;
  loss: number;
}

const MAX_BATCH_POINTS = 5000;

/** The job queue as the UI sees it: every job's latest state, its training curves and its last log lines. */
export class JobsManager {
  jobs = $state<JobView[]>([]);
  epochs = $state<Record<string, EpochPoint[]>>({});
  live = $state<Record<string, LivePoint>>({});
  /** Every live point of a job, in order: compression's fine-tuning has no per-epoch checkpoints to draw. */
  // Raw: each event replaces the whole record, so no deep proxy is made of thousands of points.
  batches = $state.raw<Record<string, LivePoint[]>>({});
  logs = $state<Record<string, string[]>>({});
  engineMessage = $state<string | null>(null);

  constructor(private readonly api: ApiClient) {}

  get active(): JobView[] {
    return this.jobs.filter((job) => job.state === 'queued' || job.state === 'running');
  }

  byId(id: string): JobView | undefined {
    return this.jobs.find((job) => job.id === id);
  }

  latest(kind: JobSpec['kind']): JobView | undefined {
    return this.jobs.find((job) => job.kind === kind);
  }

  async refresh(): Promise<void> {
    const result = await this.api.call('jobs.list', {});
    if (result.ok) this.jobs = [...result.value.jobs].sort((a, b) => b.queuedAt - a.queuedAt);
  }

  async start(spec: JobSpec): Promise<Result<JobView>> {
    const result = await this.api.call('jobs.start', spec);
    if (!result.ok) return result;
    this.upsert(result.value.job);
    return { ok: true, value: result.value.job };
  }

  async cancel(id: string): Promise<void> {
    await this.api.call('jobs.cancel', { jobId: id });
  }

  handle(event: EngineEvent): void {
    switch (event.type) {
      case 'job':
        this.upsert(event.job);
        break;
      case 'job.epoch': {
        const points = this.epochs[event.jobId] ?? [];
        this.epochs[event.jobId] = [...points.filter((p) => p.epoch !== event.epoch), event];
        const live = this.live[event.jobId];
        if (live !== undefined && live.epoch <= event.epoch) delete this.live[event.jobId];
        break;
      }
      case 'job.batch': {
        const point = { epoch: event.epoch, fraction: event.fraction, loss: event.loss };
        this.live[event.jobId] = point;
        // At most two points a second: an hour of fine-tuning is a few thousand points, kept to the newest.
        this.batches = {
          ...this.batches,
          [event.jobId]: [...(this.batches[event.jobId] ?? []).slice(-(MAX_BATCH_POINTS - 1)), point],
        };
        break;
      }
      case 'job.log': {
        const lines = this.logs[event.jobId] ?? [];
        this.logs[event.jobId] = [...lines.slice(-49), event.message];
        break;
      }
      case 'engine.crashed':
        this.engineMessage = event.message;
        break;
      default:
        break;
    }
  }

  private upsert(job: JobView): void {
    const index = this.jobs.findIndex((j) => j.id === job.id);
    if (index < 0) this.jobs = [job, ...this.jobs];
    // The answer to jobs.start can arrive after the job's first events: an older view never replaces a newer one.
    else if (!isOlder(job, this.jobs[index] as JobView)) this.jobs[index] = job;
  }
}

const STAGE: Record<JobView['state'], number> = {
  queued: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  cancelled: 2,
};

export function isOlder(candidate: JobView, current: JobView): boolean {
  const a = STAGE[candidate.state];
  const b = STAGE[current.state];
  return a < b || (a === b && a === 1 && candidate.fraction < current.fraction);
}
