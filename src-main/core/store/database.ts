import Database from 'better-sqlite3';
import { AttestError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations/index.js';

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

function migrate(db: Db, path: string, migrations: readonly Migration[]): void {
  const latest = migrations[migrations.length - 1]?.version ?? SCHEMA_VERSION;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new AttestError(
      'BAD_INPUT',
      `the database has schema version ${current}, newer than this Attest understands (${latest}); ` +
        'open it with a newer version of Attest',
      { file: path },
    );
  }
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  // One transaction for all pending steps: a failure leaves the file exactly as it was.
  db.transaction(() => {
    for (const migration of pending) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}
