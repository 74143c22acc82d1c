import Database from 'better-sqlite3';
import { AttestError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations/index.js';
import { legacyAppliedVersions } from './migration-probe.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date. A database written by a newer
 * Attest is refused rather than opened, so that an old version can never misread or damage it.
 */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, path, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** One row per migration applied, by version: the record of what ran, whatever order the numbers landed in. */
const LEDGER = 'schema_migrations';

function hasLedger(db: Db): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(LEDGER) !== undefined
  );
}

/**
 * Applies every migration the database has not had, by version, in ascending order. Numbers are reserved per
 * feature and can land out of order (0020 was added after 0030): a database already at 30 must still get 0020.
 * `PRAGMA user_version` keeps the highest version applied (to refuse a newer database); the ledger table says
 * which ones ran. A database from before the ledger has its applied migrations read from its schema.
 */
function migrate(db: Db, path: string, migrations: readonly Migration[]): void {
  const latest = migrations.length > 0 ? Math.max(...migrations.map((m) => m.version)) : SCHEMA_VERSION;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new AttestError(
      'BAD_INPUT',
      `the database has schema version ${current}, newer than this Attest understands (${latest}); ` +
        'open it with a newer version of Attest',
      { file: path },
    );
  }
  const ledger = hasLedger(db);
  const applied = ledger
    ? new Set(
        (db.prepare(`SELECT version FROM ${LEDGER}`).all() as { version: number }[]).map((r) => r.version),
      )
    : legacyAppliedVersions(db, migrations, current);
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0)
    throw new AttestError(
      'BAD_INPUT',
      `the database has migration ${unknown.join(', ')} that this Attest does not know; ` +
        'open it with a newer version of Attest',
      { file: path },
    );
  const pending = [...migrations]
    .sort((a, b) => a.version - b.version)
    .filter((m) => !applied.has(m.version));
  if (pending.length === 0 && ledger) return;
  // One transaction for the ledger and every pending step: a failure leaves the file exactly as it was.
  db.transaction(() => {
    if (!ledger) {
      db.exec(
        `CREATE TABLE ${LEDGER} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
      );
      // What ran before the ledger existed: recorded without a time, since nobody wrote it down.
      const insert = db.prepare(`INSERT INTO ${LEDGER} (version, name, applied_at) VALUES (?, ?, 'unknown')`);
      for (const m of migrations) if (applied.has(m.version)) insert.run(m.version, m.name);
    }
    const record = db.prepare(`INSERT INTO ${LEDGER} (version, name, applied_at) VALUES (?, ?, ?)`);
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
    const highest = Math.max(current, ...pending.map((m) => m.version));
    db.pragma(`user_version = ${highest}`);
  }).immediate();
}
