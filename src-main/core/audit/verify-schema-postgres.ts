import { randomBytes } from 'node:crypto';
import { MIGRATIONS, type Migration } from '../store/migrations/index.js';
import { LEDGER_DDL } from '../store/postgres/migrate-postgres.js';
import type { SyncPostgres } from '../store/postgres/sync-postgres.js';
import { POSTGRES_PREAMBLE, postgresSql } from '../store/postgres/translate-migration.js';
import type { AuditProblem } from './verify.js';

/*
 * verify-schema.ts for a site store on PostgreSQL. As on SQLite, the reference is what the migrations build on
 * an empty database: here a scratch schema in the same database, inside a transaction that is rolled back (DDL
 * is transactional in PostgreSQL), so the comparison is between two schemas the same server describes. Beyond
 * tables, indexes and triggers, a trigger switched off (ALTER TABLE ... DISABLE TRIGGER) and the function the
 * append-only triggers call are checked: either would open the tables without dropping a trigger.
 */

interface SchemaObject {
  type: 'table' | 'index' | 'trigger' | 'constraint' | 'function';
  name: string;
  table: string;
  /** What is compared: the columns of a table, the definition of anything else. */
  definition: string;
  disabled: boolean;
}

/** Removes the schema qualifier, so that the store's schema and the scratch one describe alike. */
function unqualified(text: string | null, schema: string): string {
  return (text ?? '').split(`${schema}.`).join('').replace(/\s+/g, ' ').trim();
}

function describe(db: SyncPostgres, schema: string): Map<string, SchemaObject> {
  const objects = new Map<string, SchemaObject>();
  const add = (object: SchemaObject): void => {
    objects.set(`${object.type} ${object.name}`, object);
  };
  const columns = db
    .prepare(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name, is_identity
       FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name, column_name`,
    )
    .all(schema) as Record<string, string | null>[];
  const tables = new Map<string, string[]>();
  for (const c of columns) {
    const table = c['table_name'] ?? '';
    const list = tables.get(table) ?? [];
    list.push(
      [
        c['column_name'],
        c['data_type'],
        c['is_nullable'],
        c['column_default'] ?? '',
        c['collation_name'] ?? '',
        c['is_identity'],
      ]
        .map((v) => unqualified(v ?? '', schema))
        .join(' '),
    );
    tables.set(table, list);
  }
  for (const [table, list] of tables)
    add({ type: 'table', name: table, table, definition: list.join(', '), disabled: false });

  const indexes = db
    .prepare('SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = ?')
    .all(schema) as { indexname: string; tablename: string; indexdef: string }[];
  for (const i of indexes)
    add({
      type: 'index',
      name: i.indexname,
      table: i.tablename,
      definition: unqualified(i.indexdef, schema),
      disabled: false,
    });

  const triggers = db
    .prepare(
      `SELECT t.tgname AS name, c.relname AS tbl, pg_get_triggerdef(t.oid) AS def, t.tgenabled::text AS enabled
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ? AND NOT t.tgisinternal`,
    )
    .all(schema) as { name: string; tbl: string; def: string; enabled: string }[];
  for (const t of triggers)
    add({
      type: 'trigger',
      name: t.name,
      table: t.tbl,
      definition: unqualified(t.def, schema),
      disabled: t.enabled === 'D',
    });

  const constraints = db
    .prepare(
      `SELECT con.conname AS name, c.relname AS tbl, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ?`,
    )
    .all(schema) as { name: string; tbl: string; def: string }[];
  for (const c of constraints)
    add({
      type: 'constraint',
      name: `${c.tbl}.${c.name}`,
      table: c.tbl,
      definition: unqualified(c.def, schema),
      disabled: false,
    });

  const functions = db
    .prepare(
      `SELECT p.proname AS name, p.prosrc AS src FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = ?`,
    )
    .all(schema) as { name: string; src: string }[];
  for (const f of functions)
    add({
      type: 'function',
      name: f.name,
      table: '',
      definition: unqualified(f.src, schema),
      disabled: false,
    });
  return objects;
}

/** Thrown to roll the scratch schema back once it has been described. */
class Discard extends Error {}

function expectedSchema(db: SyncPostgres, migrations: readonly Migration[]): Map<string, SchemaObject> {
  const scratch = `attest_reference_${randomBytes(6).toString('hex')}`;
  let expected = new Map<string, SchemaObject>();
  try {
    db.transaction(() => {
      db.exec(`CREATE SCHEMA ${scratch}; SET LOCAL search_path TO ${scratch}`);
      db.exec(POSTGRES_PREAMBLE);
      db.exec(LEDGER_DDL);
      for (const migration of [...migrations].sort((a, b) => a.version - b.version))
        db.exec(postgresSql(migration));
      expected = describe(db, scratch);
      throw new Discard();
    })();
  } catch (error) {
    if (!(error instanceof Discard)) throw error;
  }
  return expected;
}

export function verifyPostgresSchema(
  db: SyncPostgres,
  migrations: readonly Migration[] = MIGRATIONS,
): AuditProblem[] {
  const schema = (db.prepare('SELECT current_schema() AS schema').get() as { schema: string }).schema;
  const actual = describe(db, schema);
  const expected = expectedSchema(db, migrations);
  const problems: AuditProblem[] = [];
  const problem = (message: string): void => {
    problems.push({ kind: 'schema-altered', message });
  };
  for (const [key, want] of expected) {
    const have = actual.get(key);
    if (have === undefined) {
      problem(
        want.type === 'trigger'
          ? `trigger ${want.name} on ${want.table} was dropped: the table's append-only protection is gone`
          : `${want.type} ${want.name} was dropped from the database`,
      );
      continue;
    }
    if (want.type === 'table' && have.definition !== want.definition)
      problem(`table ${want.name} does not have the columns the application created: it was altered`);
    else if (want.type === 'function' && have.definition !== want.definition)
      problem(
        `function ${want.name} was rewritten: the append-only triggers call it, so their protection is gone`,
      );
    else if (have.definition !== want.definition)
      problem(
        `${want.type} ${want.name} was rewritten: its definition is not the one the application created`,
      );
    if (have.disabled)
      problem(
        `trigger ${want.name} on ${want.table} is disabled: the table's append-only protection is gone`,
      );
  }
  for (const [key, have] of actual) {
    if (expected.has(key)) continue;
    problem(
      have.type === 'trigger'
        ? `trigger ${have.name} on ${have.table} was added outside the application: it can change rows as they are written`
        : `${have.type} ${have.name} was added outside the application`,
    );
  }
  return problems;
}
