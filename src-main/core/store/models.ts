import type { Db } from './database.js';
import { AttestError } from '../errors.js';

export interface ModelRow {
  id: string;
  name: string;
  arch: string;
  datasetId: string | null;
  parentId: string | null;
  recipe: string | null;
  artifactSha256: string;
  sizeBytes: number;
  params: number;
  nonzeroParams: number;
  backend: string;
  seed: number | null;
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  createdAt: string;
}

interface ModelDbRow {
  id: string;
  name: string;
  arch: string;
  dataset_id: string | null;
  parent_id: string | null;
  recipe: string | null;
  artifact_sha256: string;
  size_bytes: number;
  params: number;
  nonzero_params: number;
  backend: string;
  seed: number | null;
  config_json: string;
  summary_json: string;
  created_at: string;
}

export function insertModel(db: Db, model: ModelRow): void {
  db.prepare(
    `INSERT INTO models (id, name, arch, dataset_id, parent_id, recipe, artifact_sha256, size_bytes, params,
       nonzero_params, backend, seed, config_json, summary_json, created_at)
     VALUES (@id, @name, @arch, @datasetId, @parentId, @recipe, @artifactSha256, @sizeBytes, @params,
       @nonzeroParams, @backend, @seed, @configJson, @summaryJson, @createdAt)`,
  ).run({ ...model, configJson: JSON.stringify(model.config), summaryJson: JSON.stringify(model.summary) });
}

function toModel(row: ModelDbRow): ModelRow {
  return {
    id: row.id,
    name: row.name,
    arch: row.arch,
    datasetId: row.dataset_id,
    parentId: row.parent_id,
    recipe: row.recipe,
    artifactSha256: row.artifact_sha256,
    sizeBytes: row.size_bytes,
    params: row.params,
    nonzeroParams: row.nonzero_params,
    backend: row.backend,
    seed: row.seed,
    config: JSON.parse(row.config_json) as Record<string, unknown>,
    summary: JSON.parse(row.summary_json) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export function getModel(db: Db, id: string): ModelRow {
  const row = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelDbRow | undefined;
  if (row === undefined)
    throw new AttestError('NOT_FOUND', `no model with id ${id} (see \`attest models list\`)`);
  return toModel(row);
}

export function listModels(db: Db): ModelRow[] {
  return (db.prepare('SELECT * FROM models ORDER BY created_at, id').all() as ModelDbRow[]).map(toModel);
}
