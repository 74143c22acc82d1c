import type { Db } from '../store/database.js';
import { appendAuditEvent } from '../audit/log.js';
import { AttestError } from '../errors.js';
import { utcNow } from '../util/ids.js';
import { DEFAULT_PROJECT_ID, getProject, type Project } from './projects.js';

export type ProjectMemberType = 'dataset' | 'model';

/** Every dataset's project: the one it was put in, else the default project. */
export function datasetProjectMap(db: Db): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT d.id AS id, p.project_id AS project FROM datasets d
       LEFT JOIN project_datasets p ON p.dataset_id = d.id`,
    )
    .all() as { id: string; project: string | null }[];
  return new Map(rows.map((r) => [r.id, r.project ?? DEFAULT_PROJECT_ID]));
}

/**
 * Every model's project: the one it was put in; else its parent's (a compressed model stays beside the model it
 * came from); else the project of the dataset it was trained on; else the default project. Derived when read,
 * so that a training or compression needs to know nothing about projects.
 */
export function modelProjectMap(
  db: Db,
  datasets: Map<string, string> = datasetProjectMap(db),
): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT m.id AS id, m.parent_id AS parent, m.dataset_id AS dataset, p.project_id AS project
       FROM models m LEFT JOIN project_models p ON p.model_id = m.id`,
    )
    .all() as { id: string; parent: string | null; dataset: string | null; project: string | null }[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const resolved = new Map<string, string>();
  const resolve = (id: string, depth: number): string => {
    const known = resolved.get(id);
    if (known !== undefined) return known;
    const row = byId.get(id);
    // Lineage is a tree by its foreign keys; the depth guard only protects against a hand-edited cycle.
    const project =
      row === undefined || depth > 1000
        ? DEFAULT_PROJECT_ID
        : (row.project ??
          (row.parent !== null
            ? resolve(row.parent, depth + 1)
            : row.dataset !== null
              ? (datasets.get(row.dataset) ?? DEFAULT_PROJECT_ID)
              : DEFAULT_PROJECT_ID));
    resolved.set(id, project);
    return project;
  };
  for (const row of rows) resolve(row.id, 0);
  return resolved;
}

export function projectOf(db: Db, entityType: ProjectMemberType, entityId: string): string | undefined {
  return entityType === 'dataset' ? datasetProjectMap(db).get(entityId) : modelProjectMap(db).get(entityId);
}

/** The models of a project (its own, and those that follow a parent or dataset in it), oldest first. */
export function projectModelIds(db: Db, projectId: string): string[] {
  getProject(db, projectId);
  const map = modelProjectMap(db);
  const order = db.prepare('SELECT id FROM models ORDER BY created_at, id').all() as { id: string }[];
  return order.map((r) => r.id).filter((id) => map.get(id) === projectId);
}

/** How many datasets and models each project holds. */
export function projectCounts(db: Db): Map<string, { datasets: number; models: number }> {
  const datasets = datasetProjectMap(db);
  const counts = new Map<string, { datasets: number; models: number }>();
  const of = (id: string) => {
    let c = counts.get(id);
    if (c === undefined) counts.set(id, (c = { datasets: 0, models: 0 }));
    return c;
  };
  for (const project of datasets.values()) of(project).datasets++;
  for (const project of modelProjectMap(db, datasets).values()) of(project).models++;
  return counts;
}

/**
 * Puts a dataset or a model in a project, with its audit event (naming the project it leaves) in the same
 * transaction. Putting a record where it already is explicitly changes nothing and writes no event.
 */
export function assignToProject(
  db: Db,
  entityType: ProjectMemberType,
  entityId: string,
  projectId: string,
): { project: Project; from: string; changed: boolean } {
  return db.transaction(() => {
    const project = getProject(db, projectId);
    const table = entityType === 'dataset' ? 'datasets' : 'models';
    if (db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(entityId) === undefined)
      throw new AttestError('NOT_FOUND', `no ${entityType} with id ${entityId}`);
    const members = entityType === 'dataset' ? 'project_datasets' : 'project_models';
    const key = entityType === 'dataset' ? 'dataset_id' : 'model_id';
    const explicit = db.prepare(`SELECT project_id FROM ${members} WHERE ${key} = ?`).get(entityId) as
      { project_id: string } | undefined;
    const from = projectOf(db, entityType, entityId) ?? DEFAULT_PROJECT_ID;
    if (explicit?.project_id === projectId) return { project, from, changed: false };
    db.prepare(
      `INSERT INTO ${members} (${key}, project_id, assigned_at) VALUES (?, ?, ?)
       ON CONFLICT(${key}) DO UPDATE SET project_id = excluded.project_id, assigned_at = excluded.assigned_at`,
    ).run(entityId, projectId, utcNow());
    appendAuditEvent(db, {
      action: 'project.assign',
      entityType,
      entityId,
      payload: { params: { project: projectId, projectName: project.name, from } },
    });
    return { project, from, changed: true };
  })();
}
