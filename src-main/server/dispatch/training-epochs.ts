import type { Db } from '../../core/store/database.js';

export interface EpochPoint {
  epoch: number;
  loss: number | null;
  accuracy: number | null;
  macroF1: number | null;
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * The epochs checkpointed so far by the job this process is running: the core stores a checkpoint with its
 * loss and validation metrics after every epoch, which is what the live training curves draw.
 */
export function checkpointedEpochs(db: Db, afterEpoch: number): EpochPoint[] {
  const running = db
    .prepare(
      "SELECT id FROM jobs WHERE status = 'running' AND pid = ? ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .get(process.pid) as { id: string } | undefined;
  return running === undefined ? [] : epochsOfJob(db, running.id, afterEpoch);
}

/** The epochs job `jobId` has checkpointed after `afterEpoch` (a worker's training, seen from a site's server). */
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
