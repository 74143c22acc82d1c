import { randomBytes } from 'node:crypto';
import type { Db } from '../store/database.js';
import { appendAuditEvent } from '../audit/log.js';
import { AttestError, badInput } from '../errors.js';
import { utcNow } from '../util/ids.js';

/** The project of every dataset and model that was never put in another (all rows from before projects). */
export const DEFAULT_PROJECT_ID = 'prj-default';

export interface Project {
  id: string;
  name: string;
  createdAt: string;
}

interface ProjectDbRow {
  id: string;
  name: string;
  created_at: string;
}

const toProject = (row: ProjectDbRow): Project => ({ id: row.id, name: row.name, createdAt: row.created_at });

/** A name a person can read in a list and type after --project: trimmed, 1 to 100 printable characters. */
export function checkProjectName(raw: string): string {
  const name = raw.trim();
  if (name === '' || name.length > 100)
    throw badInput(`a project name must be 1 to 100 characters, got ${name.length}`);
  // Control characters would hide in a list and break a terminal table.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badInput('a project name may not hold control characters');
  return name;
}

export function listProjects(db: Db): Project[] {
  return (
    db.prepare('SELECT id, name, created_at FROM projects ORDER BY created_at, id').all() as ProjectDbRow[]
  ).map(toProject);
}

export function getProject(db: Db, id: string): Project {
  const row = db.prepare('SELECT id, name, created_at FROM projects WHERE id = ?').get(id) as
    ProjectDbRow | undefined;
  if (row === undefined) throw new AttestError('NOT_FOUND', `no project with id ${id}`);
  return toProject(row);
}

/** A project by id, else by name (case-insensitive): what `--project NAME|ID` accepts. */
export function resolveProject(db: Db, reference: string): Project {
  const row = db
    .prepare('SELECT id, name, created_at FROM projects WHERE id = ? OR name = ? COLLATE NOCASE')
    .get(reference, reference.trim()) as ProjectDbRow | undefined;
  if (row === undefined)
    throw badInput(`no project named or numbered "${reference}" (see \`attest projects list\`)`);
  return toProject(row);
}

function nameTaken(db: Db, name: string, exceptId?: string): boolean {
  const row = db.prepare('SELECT id FROM projects WHERE name = ? COLLATE NOCASE').get(name) as
    { id: string } | undefined;
  return row !== undefined && row.id !== exceptId;
}

/** Creates a project, with its audit event in the same transaction. */
export function createProject(db: Db, rawName: string): Project {
  const name = checkProjectName(rawName);
  const project: Project = { id: `prj-${randomBytes(6).toString('hex')}`, name, createdAt: utcNow() };
  db.transaction(() => {
    if (nameTaken(db, name)) throw badInput(`a project named "${name}" exists already`);
    db.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)').run(
      project.id,
      project.name,
      project.createdAt,
    );
    appendAuditEvent(db, {
      action: 'project.create',
      entityType: 'project',
      entityId: project.id,
      payload: { params: { name } },
    });
  })();
  return project;
}

/** Renames a project; the old name stays in the audit trail. */
export function renameProject(db: Db, id: string, rawName: string): Project {
  const name = checkProjectName(rawName);
  return db.transaction(() => {
    const before = getProject(db, id);
    if (nameTaken(db, name, id)) throw badInput(`a project named "${name}" exists already`);
    if (before.name === name) return before;
    db.prepare('UPDATE projects SET name = ? WHERE id = ?').run(name, id);
    appendAuditEvent(db, {
      action: 'project.rename',
      entityType: 'project',
      entityId: id,
      payload: { params: { from: before.name, to: name } },
    });
    return { ...before, name };
  })();
}
