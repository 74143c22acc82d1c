/**
 * The first schema: datasets with their source files, models with their lineage, jobs and their
 * checkpoints, validations with their metric rows, and the append-only audit log.
 */
export const migration0010 = {
  version: 10,
  name: 'initial',
  sql: `
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  importer_version TEXT NOT NULL,
  params_json TEXT NOT NULL,
  summary_json TEXT NOT NULL,
  data_sha256 TEXT NOT NULL
);

CREATE TABLE source_files (
  id INTEGER PRIMARY KEY,
  dataset_id TEXT NOT NULL REFERENCES datasets(id),
  record TEXT,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE INDEX source_files_dataset ON source_files(dataset_id);

CREATE TABLE dataset_groups (
  dataset_id TEXT NOT NULL REFERENCES datasets(id),
  name TEXT NOT NULL,
  split TEXT NOT NULL,
  samples INTEGER NOT NULL,
  class_counts_json TEXT NOT NULL,
  PRIMARY KEY (dataset_id, name)
);

CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  arch TEXT NOT NULL,
  dataset_id TEXT REFERENCES datasets(id),
  parent_id TEXT REFERENCES models(id),
  recipe TEXT,
  artifact_sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  params INTEGER NOT NULL,
  nonzero_params INTEGER NOT NULL,
  backend TEXT NOT NULL,
  seed INTEGER,
  config_json TEXT NOT NULL,
  summary_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX models_parent ON models(parent_id);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
  params_json TEXT NOT NULL,
  progress REAL NOT NULL DEFAULT 0,
  message TEXT,
  result_json TEXT,
  error_json TEXT,
  pid INTEGER,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);

CREATE TABLE checkpoints (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  epoch INTEGER NOT NULL,
  artifact_sha256 TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (job_id, epoch)
);

CREATE TABLE validations (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models(id),
  dataset_id TEXT NOT NULL REFERENCES datasets(id),
  split TEXT NOT NULL,
  suites TEXT NOT NULL,
  backend TEXT NOT NULL,
  result_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX validations_model ON validations(model_id);

CREATE TABLE metrics (
  id INTEGER PRIMARY KEY,
  validation_id TEXT NOT NULL REFERENCES validations(id),
  suite TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  params_json TEXT NOT NULL
);
CREATE INDEX metrics_validation ON metrics(validation_id);

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT,
  entity_id TEXT,
  payload_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);

-- Nothing in the application may change or remove an audit event; the triggers make the database refuse it
-- even if a later bug tried.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
`,
};
