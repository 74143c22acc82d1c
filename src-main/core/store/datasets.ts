import type { Db } from './database.js';
import { AttestError } from '../errors.js';

export interface DatasetGroup {
  name: string;
  split: string;
  samples: number;
  classCounts: Record<string, number>;
}

export interface DatasetRow {
  id: string;
  name: string;
  kind: string;
  createdAt: string;
  importerVersion: string;
  params: Record<string, unknown>;
  summary: Record<string, unknown>;
  dataSha256: string;
}

export interface SourceFileRow {
  record: string | null;
  path: string;
  size: number;
  sha256: string;
}

export function insertDataset(
  db: Db,
  dataset: DatasetRow,
  sources: SourceFileRow[],
  groups: DatasetGroup[],
): void {
  db.prepare(
    `INSERT INTO datasets (id, name, kind, created_at, importer_version, params_json, summary_json, data_sha256)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    dataset.id,
    dataset.name,
    dataset.kind,
    dataset.createdAt,
    dataset.importerVersion,
    JSON.stringify(dataset.params),
    JSON.stringify(dataset.summary),
    dataset.dataSha256,
  );
  const insertSource = db.prepare(
    'INSERT INTO source_files (dataset_id, record, path, size, sha256) VALUES (?, ?, ?, ?, ?)',
  );
  for (const source of sources)
    insertSource.run(dataset.id, source.record, source.path, source.size, source.sha256);
  const insertGroup = db.prepare(
    'INSERT INTO dataset_groups (dataset_id, name, split, samples, class_counts_json) VALUES (?, ?, ?, ?, ?)',
  );
  for (const group of groups) {
    insertGroup.run(dataset.id, group.name, group.split, group.samples, JSON.stringify(group.classCounts));
  }
}

interface DatasetDbRow {
  id: string;
  name: string;
  kind: string;
  created_at: string;
  importer_version: string;
  params_json: string;
  summary_json: string;
  data_sha256: string;
}

function toDataset(row: DatasetDbRow): DatasetRow {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    createdAt: row.created_at,
    importerVersion: row.importer_version,
    params: JSON.parse(row.params_json) as Record<string, unknown>,
    summary: JSON.parse(row.summary_json) as Record<string, unknown>,
    dataSha256: row.data_sha256,
  };
}

export function listDatasets(db: Db): DatasetRow[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY created_at, id').all() as DatasetDbRow[]).map(
    toDataset,
  );
}

export function getDataset(db: Db, id: string): DatasetRow {
  const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetDbRow | undefined;
  if (row === undefined)
    throw new AttestError('NOT_FOUND', `no dataset with id ${id} (see \`attest datasets list\`)`);
  return toDataset(row);
}

export function datasetSources(db: Db, id: string): SourceFileRow[] {
  return db
    .prepare('SELECT record, path, size, sha256 FROM source_files WHERE dataset_id = ? ORDER BY id')
    .all(id) as SourceFileRow[];
}

export function datasetGroups(db: Db, id: string): DatasetGroup[] {
  const rows = db
    .prepare(
      'SELECT name, split, samples, class_counts_json FROM dataset_groups WHERE dataset_id = ? ORDER BY name',
    )
    .all(id) as { name: string; split: string; samples: number; class_counts_json: string }[];
  return rows.map((r) => ({
    name: r.name,
    split: r.split,
    samples: r.samples,
    classCounts: JSON.parse(r.class_counts_json) as Record<string, number>,
  }));
}
