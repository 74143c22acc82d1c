import Database from 'better-sqlite3';
import type { Db } from '../store/database.js';
import { MIGRATIONS, type Migration } from '../store/migrations/index.js';
import type { AuditProblem } from './verify.js';

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

interface Column {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

/** SQLite's own objects (autoindexes, sqlite_sequence, statistics) are not part of what the migrations wrote. */
function schemaObjects(db: Db): Map<string, SchemaObject> {
  const rows = db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM sqlite_master
       WHERE type IN ('table', 'index', 'trigger', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    )
    .all() as SchemaObject[];
  return new Map(rows.map((r) => [`${r.type} ${r.name.toLowerCase()}`, r]));
}

function columnsOf(db: Db, table: string): string {
  const columns = db
    .prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)')
    .all(table);
  return (columns as Column[])
    .map((c) => `${c.name.toLowerCase()} ${c.type} ${c.notnull} ${c.dflt_value ?? ''} ${c.pk}`)
    .sort()
    .join(', ');
}

const normalise = (sql: string | null): string => (sql ?? '').replace(/\s+/g, ' ').trim();

/**
 * Compares the database's schema with the one the migrations build (applied to an empty database in memory):
 * a dropped or rewritten append-only trigger, a trigger added to rewrite rows as they are written, a dropped
 * table or index, a changed column. Tables are compared by their columns, not their text, so that migrations
 * that landed in a different order (0020 after 0030) still match; triggers, indexes and views by their SQL.
 */
export function verifySchema(db: Db, migrations: readonly Migration[] = MIGRATIONS): AuditProblem[] {
  const reference = new Database(':memory:');
  let expected: Map<string, SchemaObject>;
  const expectedColumns = new Map<string, string>();
  try {
    reference.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const migration of [...migrations].sort((a, b) => a.version - b.version))
      reference.exec(migration.sql);
    expected = schemaObjects(reference);
    for (const object of expected.values())
      if (object.type === 'table') expectedColumns.set(object.name, columnsOf(reference, object.name));
  } finally {
    reference.close();
  }
  const actual = schemaObjects(db);
  const problems: AuditProblem[] = [];
  const problem = (message: string): void => {
    problems.push({ kind: 'schema-altered', message });
  };
  for (const [key, want] of expected) {
    const have = actual.get(key);
    const what = `${want.type} ${want.name}`;
    if (have === undefined) {
      problem(
        want.type === 'trigger'
          ? `trigger ${want.name} on ${want.tbl_name} was dropped: the table's append-only protection is gone`
          : `${what} was dropped from the database`,
      );
      continue;
    }
    if (want.type === 'table') {
      if (columnsOf(db, want.name) !== expectedColumns.get(want.name))
        problem(`table ${want.name} does not have the columns the application created: it was altered`);
    } else if (normalise(have.sql) !== normalise(want.sql)) {
      problem(`${what} was rewritten: its definition is not the one the application created`);
    }
  }
  for (const [key, have] of actual) {
    if (expected.has(key)) continue;
    problem(
      have.type === 'trigger'
        ? `trigger ${have.name} on ${have.tbl_name} was added outside the application: it can change rows as they are written`
        : `${have.type} ${have.name} was added outside the application`,
    );
  }
  return problems;
}
