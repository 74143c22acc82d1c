import type { Db } from '../database.js';
import { isPostgres } from '../postgres/migrate-postgres.js';
import { AUDIT_APPEND_LOCK } from '../postgres/locks.js';
import { keyOf, parentsFirst, recordTables, type RecordTable } from './record-tables.js';

/*
 * The rows of one store copied into another (SQLite home <-> PostgreSQL site) as they are: the same ids, the
 * same texts, so every audit event keeps its hash and the chain its head. Both stores are at the same schema
 * (each is migrated when opened), so a row's columns are the same on both sides.
 */

/** Rows per INSERT: well under both databases' limit on bound values (SQLite 32766, PostgreSQL 65535). */
const VALUES_PER_STATEMENT = 20_000;

/** The tables holding rows beyond what a freshly migrated store has, with how many: empty when the store is empty. */
export function nonEmptyTables(db: Db): { table: string; rows: number }[] {
  const found: { table: string; rows: number }[] = [];
  for (const table of recordTables()) {
    const rows = db.prepare(`SELECT * FROM ${table.name}`).all() as Record<string, unknown>[];
    const extra = rows.filter((row) => !table.seeded.has(keyOf(table.key, row))).length;
    if (extra > 0) found.push({ table: table.name, rows: extra });
  }
  return found;
}

/** Every record of `source`, read in one snapshot (so a site being written to gives a consistent copy). */
export function readRecords(source: Db): Map<string, Record<string, unknown>[]> {
  return source.transaction(() => {
    // PostgreSQL's default isolation takes a new snapshot per statement; one for the whole read is wanted.
    if (isPostgres(source)) source.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const records = new Map<string, Record<string, unknown>[]>();
    for (const table of recordTables()) {
      const order = table.key.columns.join(', ');
      const rows = source.prepare(`SELECT * FROM ${table.name} ORDER BY ${order}`).all() as Record<
        string,
        unknown
      >[];
      records.set(table.name, parentsFirst(table, rows));
    }
    return records;
  })();
}

/**
 * Writes the records into `target`, which must be empty (checked here again, inside the transaction). One
 * transaction: a failure anywhere leaves the target as it was. Returns the rows written per table.
 */
export function writeRecords(
  target: Db,
  records: Map<string, Record<string, unknown>[]>,
): Record<string, number> {
  const written: Record<string, number> = {};
  target.transaction(() => {
    if (isPostgres(target)) {
      // Nothing else may append to the trail while it is being carried in.
      target.prepare('SELECT pg_advisory_xact_lock(?)').get(AUDIT_APPEND_LOCK);
    }
    const filled = nonEmptyTables(target);
    if (filled.length > 0) throw new TargetNotEmpty(filled);
    for (const table of recordTables()) {
      const rows = records.get(table.name) ?? [];
      written[table.name] = rows.length;
      const fresh = rows.filter((row) => !table.seeded.has(keyOf(table.key, row)));
      for (const row of rows) if (table.seeded.has(keyOf(table.key, row))) updateSeeded(target, table, row);
      insertRows(target, table, fresh);
      if (isPostgres(target) && table.key.identity) resetIdentity(target, table);
    }
  })();
  return written;
}

export class TargetNotEmpty extends Error {
  constructor(readonly tables: { table: string; rows: number }[]) {
    super(`it holds records already (${tables.map((t) => `${t.table}: ${t.rows}`).join(', ')})`);
  }
}

function insertRows(target: Db, table: RecordTable, rows: Record<string, unknown>[]): void {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const perStatement = Math.max(1, Math.floor(VALUES_PER_STATEMENT / columns.length));
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    target
      .prepare(
        `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES ${batch.map(() => placeholders).join(', ')}`,
      )
      .run(batch.flatMap((row) => columns.map((column) => row[column] ?? null)));
  }
}

/** A row the fresh target has already (the default project): given the source's values. */
function updateSeeded(target: Db, table: RecordTable, row: Record<string, unknown>): void {
  const columns = Object.keys(row).filter((c) => !table.key.columns.includes(c));
  if (columns.length === 0) return;
  target
    .prepare(
      `UPDATE ${table.name} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${table.key.columns
        .map((c) => `${c} = ?`)
        .join(' AND ')}`,
    )
    .run([...columns.map((c) => row[c] ?? null), ...table.key.columns.map((c) => row[c] ?? null)]);
}

/** An identity column given explicit values must continue after them, as SQLite's rowid does by itself. */
function resetIdentity(target: Db, table: RecordTable): void {
  const column = table.key.columns[0] ?? '';
  target
    .prepare(
      `SELECT setval(pg_get_serial_sequence('${table.name}', '${column}'), COALESCE(MAX(${column}), 1), MAX(${column}) IS NOT NULL) AS v FROM ${table.name}`,
    )
    .get();
}
