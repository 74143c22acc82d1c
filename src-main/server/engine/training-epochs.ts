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
  const rows = db
    .prepare(
      `SELECT c.epoch AS epoch, c.metrics_json AS metrics FROM checkpoints c
       WHERE c.job_id = (SELECT id FROM jobs WHERE status = 'running' AND pid = ? ORDER BY started_at DESC, id DESC LIMIT 1)
         AND c.epoch > ? ORDER BY c.epoch`,
    )
    .all(process.pid, afterEpoch) as { epoch: number; metrics: string }[];
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
