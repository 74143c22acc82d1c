import type { Db } from './database.js';

export interface MetricRowInput {
  suite: string;
  name: string;
  value: number | null;
  params?: Record<string, string | number>;
}

export interface ValidationRow {
  id: string;
  modelId: string;
  datasetId: string;
  split: string;
  suites: string[];
  backend: string;
  result: Record<string, unknown>;
  createdAt: string;
}

export function insertValidation(db: Db, validation: ValidationRow, metrics: MetricRowInput[]): void {
  db.prepare(
    `INSERT INTO validations (id, model_id, dataset_id, split, suites, backend, result_json, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    validation.id,
    validation.modelId,
    validation.datasetId,
    validation.split,
    validation.suites.join(','),
    validation.backend,
    JSON.stringify(validation.result),
    validation.createdAt,
  );
  const insert = db.prepare(
    'INSERT INTO metrics (validation_id, suite, name, value, params_json) VALUES (?, ?, ?, ?, ?)',
  );
  for (const metric of metrics) {
    const value = metric.value !== null && Number.isFinite(metric.value) ? metric.value : null;
    insert.run(validation.id, metric.suite, metric.name, value, JSON.stringify(metric.params ?? {}));
  }
}

interface ValidationDbRow {
  id: string;
  model_id: string;
  dataset_id: string;
  split: string;
  suites: string;
  backend: string;
  result_json: string;
  created_at: string;
}

export function validationsOfModel(db: Db, modelId: string): ValidationRow[] {
  const rows = db
    .prepare('SELECT * FROM validations WHERE model_id = ? ORDER BY created_at, id')
    .all(modelId) as ValidationDbRow[];
  return rows.map((r) => ({
    id: r.id,
    modelId: r.model_id,
    datasetId: r.dataset_id,
    split: r.split,
    suites: r.suites.split(','),
    backend: r.backend,
    result: JSON.parse(r.result_json) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}

export function metricsOfValidation(db: Db, validationId: string): MetricRowInput[] {
  const rows = db
    .prepare('SELECT suite, name, value, params_json FROM metrics WHERE validation_id = ? ORDER BY id')
    .all(validationId) as { suite: string; name: string; value: number | null; params_json: string }[];
  return rows.map((r) => ({
    suite: r.suite,
    name: r.name,
    value: r.value,
    params: JSON.parse(r.params_json) as Record<string, string | number>,
  }));
}
