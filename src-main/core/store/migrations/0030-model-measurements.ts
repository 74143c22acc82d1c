/**
 * Measured costs of a model (size on disk and gzipped, parameters, FLOPs per sample, latency), one row per model
 * and backend: latency depends on the backend it was measured on, and a model can be re-measured on another.
 * A compressed model's row sits beside its parent's, so every claim of "smaller" or "faster" is a measurement.
 */
export const migration0030 = {
  version: 30,
  name: 'model-measurements',
  sql: `
CREATE TABLE model_measurements (
  model_id TEXT NOT NULL REFERENCES models(id),
  backend TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  gzip_bytes INTEGER NOT NULL,
  params INTEGER NOT NULL,
  nonzero_params INTEGER NOT NULL,
  flops REAL NOT NULL,
  sparse_flops REAL NOT NULL,
  latency_ms REAL NOT NULL,
  batched_ms_per_sample REAL NOT NULL,
  runs INTEGER NOT NULL,
  measured_at TEXT NOT NULL,
  PRIMARY KEY (model_id, backend)
);
`,
};
