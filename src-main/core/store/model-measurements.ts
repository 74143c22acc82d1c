import type { Db } from './database.js';

/** A model's measured costs on one backend (table model_measurements, migration 0030). */
export interface MeasurementRow {
  modelId: string;
  backend: string;
  sizeBytes: number;
  gzipBytes: number;
  params: number;
  nonzeroParams: number;
  flops: number;
  sparseFlops: number;
  latencyMs: number;
  batchedMsPerSample: number;
  runs: number;
  measuredAt: string;
}

interface MeasurementDbRow {
  model_id: string;
  backend: string;
  size_bytes: number;
  gzip_bytes: number;
  params: number;
  nonzero_params: number;
  flops: number;
  sparse_flops: number;
  latency_ms: number;
  batched_ms_per_sample: number;
  runs: number;
  measured_at: string;
}

/** Inserts or replaces the row for (model, backend): a re-measurement on the same backend supersedes. */
export function upsertMeasurement(db: Db, row: MeasurementRow): void {
  db.prepare(
    `INSERT OR REPLACE INTO model_measurements (model_id, backend, size_bytes, gzip_bytes, params, nonzero_params,
       flops, sparse_flops, latency_ms, batched_ms_per_sample, runs, measured_at)
     VALUES (@modelId, @backend, @sizeBytes, @gzipBytes, @params, @nonzeroParams, @flops, @sparseFlops,
       @latencyMs, @batchedMsPerSample, @runs, @measuredAt)`,
  ).run(row);
}

function toRow(row: MeasurementDbRow): MeasurementRow {
  return {
    modelId: row.model_id,
    backend: row.backend,
    sizeBytes: row.size_bytes,
    gzipBytes: row.gzip_bytes,
    params: row.params,
    nonzeroParams: row.nonzero_params,
    flops: row.flops,
    sparseFlops: row.sparse_flops,
    latencyMs: row.latency_ms,
    batchedMsPerSample: row.batched_ms_per_sample,
    runs: row.runs,
    measuredAt: row.measured_at,
  };
}

/** The model's measurement on a backend, or undefined when it was never measured there. */
export function getMeasurement(db: Db, modelId: string, backend: string): MeasurementRow | undefined {
  const row = db
    .prepare('SELECT * FROM model_measurements WHERE model_id = ? AND backend = ?')
    .get(modelId, backend) as MeasurementDbRow | undefined;
  return row === undefined ? undefined : toRow(row);
}

/** Every measurement of a model, latest first. */
export function listMeasurements(db: Db, modelId?: string): MeasurementRow[] {
  const rows = (
    modelId === undefined
      ? db.prepare('SELECT * FROM model_measurements ORDER BY measured_at DESC, model_id').all()
      : db
          .prepare('SELECT * FROM model_measurements WHERE model_id = ? ORDER BY measured_at DESC')
          .all(modelId)
  ) as MeasurementDbRow[];
  return rows.map(toRow);
}
