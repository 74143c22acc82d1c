import { AttestError } from '../../errors.js';
import type { Db } from '../database.js';
import { MIGRATIONS, type Migration } from '../migrations/index.js';
import { MIGRATION_LOCK } from './locks.js';
import { SyncPostgres } from './sync-postgres.js';
import { POSTGRES_PREAMBLE, postgresSql } from './translate-migration.js';

/** The ledger of applied migrations, as database.ts creates it in SQLite. */
export const LEDGER_DDL =
  'CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/**
 * Brings a PostgreSQL store up to date with the same numbered migrations as a home's SQLite file, each applied
 * once by version and recorded in the same ledger table. Everything runs in one transaction under an advisory
 * lock: DDL is transactional in PostgreSQL, so a failed migration leaves the database as it was, and a second
 * process waits and then finds nothing left to do.
 */
export function migratePostgres(db: SyncPostgres, migrations: readonly Migration[] = MIGRATIONS): void {
  if (pending(db, migrations).length === 0) return;
  db.transaction(() => {
    db.prepare('SELECT pg_advisory_xact_lock(?)').get(MIGRATION_LOCK);
    if (!hasLedger(db)) {
      db.exec(POSTGRES_PREAMBLE);
      db.exec(LEDGER_DDL);
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending(db, migrations)) {
      db.exec(postgresSql(migration));
      record.run(migration.version, migration.name, new Date().toISOString());
    }
  })();
}

function hasLedger(db: SyncPostgres): boolean {
  const row = db.prepare("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").get() as {
    present: number;
  };
  return row.present === 1;
}

/** The migrations not yet applied, in order; refuses a database that has one this Attest does not know. */
function pending(db: SyncPostgres, migrations: readonly Migration[]): Migration[] {
  if (!hasLedger(db)) return [...migrations].sort((a, b) => a.version - b.version);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const unknown = [...applied].filter((v) => !migrations.some((m) => m.version === v));
  if (unknown.length > 0)
    throw new AttestError(
      'BAD_INPUT',
      `the database at ${db.name} has migration ${unknown.join(', ')} that this Attest does not know; ` +
        'use a newer version of Attest',
    );
  return [...migrations].sort((a, b) => a.version - b.version).filter((m) => !applied.has(m.version));
}

/**
 * Opens the store on PostgreSQL and migrates it. The result is typed as the SQLite handle because the store
 * code is written against it: SyncPostgres provides the part of its API that code uses (prepare, exec,
 * transaction, inTransaction, open, close), and `isPostgres` tells the few places that must differ.
 */
export function openPostgresStore(url: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const db = new SyncPostgres(url);
  try {
    migratePostgres(db, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db as unknown as Db;
}

/** True when the store is on PostgreSQL (opened by openPostgresStore). */
export function isPostgres(db: Db): boolean {
  return (db as unknown as { dialect?: unknown }).dialect === 'postgres';
}

/** The PostgreSQL stand-in behind a store handle, or undefined for SQLite. */
export function asPostgres(db: Db): SyncPostgres | undefined {
  return isPostgres(db) ? (db as unknown as SyncPostgres) : undefined;
}
