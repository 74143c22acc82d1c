import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';
import { isPostgres } from './postgres/migrate-postgres.js';

/**
 * What was compared (tables method_comparisons and method_comparison_models, migration 0040). The kinds are
 * open: a new comparison (e.g. generative augmentation) stores its rows without a schema change.
 */
export const COMPARISON_KINDS = [
  'lr-policies',
  'semi-supervised',
  'low-bit',
  'activation-sparsity',
  'attribution',
  'membership-defense',
  'augmentation',
] as const;
export type ComparisonKind = (typeof COMPARISON_KINDS)[number];

export interface ComparisonModel {
  modelId: string;
  /** What the model is in the comparison: "baseline", "cosine", "mean-teacher 10%", "after defence"... */
  role: string;
}

export interface ComparisonRow {
  id: string;
  kind: string;
  datasetId: string | null;
  params: Record<string, unknown>;
  result: Record<string, unknown>;
  backend: string;
  createdAt: string;
  models: ComparisonModel[];
}

interface ComparisonDbRow {
  id: string;
  kind: string;
  dataset_id: string | null;
  params_json: string;
  result_json: string;
  backend: string;
  created_at: string;
}

export function newComparisonId(): string {
  return `cmp-${randomBytes(6).toString('hex')}`;
}

/** Stores a comparison and its models; call it inside the transaction that appends the comparison's audit event. */
export function insertComparison(db: Db, row: ComparisonRow): void {
  db.prepare(
    `INSERT INTO method_comparisons (id, kind, dataset_id, params_json, result_json, backend, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    row.id,
    row.kind,
    row.datasetId,
    JSON.stringify(row.params),
    JSON.stringify(row.result),
    row.backend,
    row.createdAt,
  );
  const link = db.prepare(
    'INSERT OR IGNORE INTO method_comparison_models (comparison_id, model_id, role) VALUES (?, ?, ?)',
  );
  for (const m of row.models) link.run(row.id, m.modelId, m.role);
}

/**
 * Insertion order: SQLite's rowid; on PostgreSQL the row's place in the heap (ctid), which follows insertion for
 * these rows, written once and never updated or deleted.
 */
function insertionOrder(db: Db): string {
  return isPostgres(db) ? 'ctid' : 'rowid';
}

function withModels(db: Db, rows: ComparisonDbRow[]): ComparisonRow[] {
  const models = db.prepare(
    `SELECT model_id, role FROM method_comparison_models WHERE comparison_id = ? ORDER BY ${insertionOrder(db)}`,
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    datasetId: r.dataset_id,
    params: JSON.parse(r.params_json) as Record<string, unknown>,
    result: JSON.parse(r.result_json) as Record<string, unknown>,
    backend: r.backend,
    createdAt: r.created_at,
    models: (models.all(r.id) as { model_id: string; role: string }[]).map((m) => ({
      modelId: m.model_id,
      role: m.role,
    })),
  }));
}

/**
 * Stored comparisons, newest first: all of them, those on a dataset, and/or those a model takes part in (with
 * both filters, a comparison matching either is listed: the report shows those of the model and of its data).
 */
export function listComparisons(
  db: Db,
  filter: { datasetId?: string; modelId?: string } = {},
): ComparisonRow[] {
  const clauses: string[] = [];
  const values: string[] = [];
  if (filter.datasetId !== undefined) {
    clauses.push('dataset_id = ?');
    values.push(filter.datasetId);
  }
  if (filter.modelId !== undefined) {
    clauses.push('id IN (SELECT comparison_id FROM method_comparison_models WHERE model_id = ?)');
    values.push(filter.modelId);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' OR ')}` : '';
  const rows = db
    .prepare(`SELECT * FROM method_comparisons ${where} ORDER BY created_at DESC, ${insertionOrder(db)} DESC`)
    .all(...values) as ComparisonDbRow[];
  return withModels(db, rows);
}
