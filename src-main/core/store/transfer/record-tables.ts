import { openDatabase, type Db } from '../database.js';
import { MIGRATIONS } from '../migrations/index.js';
import { primaryKeys, type TableKey } from '../postgres/translate-migration.js';

/*
 * What a move of the records between stores (home <-> site) copies: every table the numbered migrations create,
 * parents before the tables that refer to them, and the rows a fresh store already has (the default project)
 * so that they are updated rather than inserted twice. Read from the migrations themselves, built once in a
 * scratch in-memory SQLite database, so a new migration's tables move without a list to keep up to date.
 */

export interface RecordTable {
  name: string;
  key: TableKey;
  /** Columns that refer to a row of the same table (models.parent_id): rows are copied parents first. */
  selfReferences: string[];
  /** Primary keys (joined with NUL) of the rows a freshly migrated store already holds. */
  seeded: Set<string>;
}

let cached: RecordTable[] | undefined;

/** Every record table in copy order (a table after the tables it refers to); the migration ledger left out. */
export function recordTables(): RecordTable[] {
  if (cached !== undefined) return cached;
  const keys = primaryKeys(MIGRATIONS);
  const scratch: Db = openDatabase(':memory:');
  try {
    const references = new Map<string, Set<string>>();
    const tables: RecordTable[] = [];
    for (const [name, key] of keys) {
      if (name === 'schema_migrations') continue;
      const foreign = scratch
        .prepare('SELECT "table" AS target, "from" AS col FROM pragma_foreign_key_list(?)')
        .all(name) as { target: string; col: string }[];
      references.set(name, new Set(foreign.map((f) => f.target).filter((t) => t !== name)));
      const seeded = scratch.prepare(`SELECT * FROM ${name}`).all() as Record<string, unknown>[];
      tables.push({
        name,
        key,
        selfReferences: foreign.filter((f) => f.target === name).map((f) => f.col),
        seeded: new Set(seeded.map((row) => keyOf(key, row))),
      });
    }
    cached = dependencyOrder(tables, references);
    return cached;
  } finally {
    scratch.close();
  }
}

/** The primary key of a row as one string, for comparing rows of the two stores. */
export function keyOf(key: TableKey, row: Record<string, unknown>): string {
  return key.columns.map((column) => String(row[column])).join('\u0000');
}

/** Tables after the ones they refer to, otherwise in migration order. */
function dependencyOrder(tables: RecordTable[], references: Map<string, Set<string>>): RecordTable[] {
  const ordered: RecordTable[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.find(
      (t) => !placed.has(t.name) && [...(references.get(t.name) ?? [])].every((r) => placed.has(r)),
    );
    if (next === undefined)
      throw new Error(
        `the record tables refer to each other in a cycle (${tables.filter((t) => !placed.has(t.name)).map((t) => t.name)})`,
      );
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

/** Rows with a reference to their own table (a model and its parent) put after the row they refer to. */
export function parentsFirst(table: RecordTable, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  if (table.selfReferences.length === 0) return rows;
  const byKey = new Map(rows.map((row) => [keyOf(table.key, row), row]));
  const ordered: Record<string, unknown>[] = [];
  const done = new Set<string>();
  const visit = (row: Record<string, unknown>, path: Set<string>): void => {
    const id = keyOf(table.key, row);
    if (done.has(id)) return;
    if (path.has(id)) throw new Error(`${table.name} ${id} is its own ancestor`);
    path.add(id);
    for (const column of table.selfReferences) {
      const parent = row[column];
      const parentRow = parent === null || parent === undefined ? undefined : byKey.get(String(parent));
      if (parentRow !== undefined) visit(parentRow, path);
    }
    done.add(id);
    ordered.push(row);
  };
  for (const row of rows) visit(row, new Set());
  return ordered;
}
