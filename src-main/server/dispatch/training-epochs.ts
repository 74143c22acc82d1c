import type { Db } from '../../core/store/database.js';
import type { EpochPoint } from '../../core/jobs/job-context.js';

export type { EpochPoint };

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * The epochs job `jobId` has checkpointed after `afterEpoch`: a training run by a worker on another machine, seen
 * by a site's server through the shared store (a training run here sends its epochs itself: JobContext).
 */
export function epochsOfJob(db: Db, jobId: string, afterEpoch: number): EpochPoint[] {
  const rows = db
    .prepare(
      'SELECT epoch, metrics_json AS metrics FROM checkpoints WHERE job_id = ? AND epoch > ? ORDER BY epoch',
    )
    .all(jobId, afterEpoch) as { epoch: number; metrics: string }[];
  return rows.map((row) => {
    const metrics = JSON.parse(row.metrics) as Record<string, unknown>;
    return {
      epoch: row.epoch,
      loss: num(metrics['loss']),
      accuracy: num(metrics['accuracy']),
      macroF1: num(metrics['macroF1']),
    };
  });
}
