import Database from 'better-sqlite3';
import { AttestError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations/index.js';
import { legacyAppliedVersions } from './migration-probe.js';
import { asDamagedDatabase } from './damaged-database.js';

export type Db = Database.Database;

/**
 * SQLite answers SQLITE_BUSY at once, without waiting out the busy timeout, where waiting could deadlock: two
 * processes switching a fresh file to WAL, or upgrading a read to a write, at the same moment. Both steps are
 * safe to repeat, so they are retried until the busy timeout has passed.
 */
function retryWhileBusy<T>(step: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return step();
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(200, 5 * attempt));
    }
  }
}

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date. A database written by a newer
 * Attest is refused rather than opened, so that an old version can never misread or damage it.
 */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (error) {
    throw asDamagedDatabase(error, path);
  }
  try {
    // The busy timeout first: switching a fresh file to WAL takes a lock that a parallel process may hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    retryWhileBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    writeTransactionsBeginImmediately(db);
    retryWhileBusy(() => migrate(db, path, migrations));
    return db;
  } catch (error) {
    db.close();
    throw asDamagedDatabase(error, path);
  }
}

/**
 * How long a statement waits for another process's write lock before giving up: imports, training and the
 * UI's engine may write to one home at the same time, and a write transaction is short.
 */
export const BUSY_TIMEOUT_MS = 30_000;

/**
 * Makes `db.transaction(fn)()` begin with BEGIN IMMEDIATE. A deferred transaction that reads and then writes
 * cannot wait for the write lock once another process has written since its read (SQLite answers "database is
 * locked" at once, whatever the busy timeout); an immediate one takes the lock first and waits for it. Nested
 * calls still become savepoints, and `.deferred` / `.exclusive` stay available.
 */
function writeTransactionsBeginImmediately(db: Db): void {
  const begin = db.transaction.bind(db);
  db.transaction = ((fn: Parameters<Db['transaction']>[0]) => begin(fn).immediate) as Db['transaction'];
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
  // A look without a lock first: an up-to-date database (the usual case) is opened without taking the write lock.
  if (pendingMigrations(db, path, migrations) === undefined) return;
  // Under the exclusive lock, and looked at again there: a parallel process may have migrated in the meantime
  // (two first imports on a fresh home), and then there is nothing left to do instead of a clash.
  db.transaction(() => {
    const plan = pendingMigrations(db, path, migrations);
    if (plan !== undefined) applyMigrations(db, migrations, plan);
  }).exclusive();
}

interface MigrationPlan {
  ledger: boolean;
  applied: Set<number>;
  pending: Migration[];
  current: number;
}

/** What is left to apply, or undefined when the database is up to date; refuses a database from a newer Attest. */
function pendingMigrations(
  db: Db,
  path: string,
  migrations: readonly Migration[],
): MigrationPlan | undefined {
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
  if (pending.length === 0 && ledger) return undefined;
  return { ledger, applied, pending, current };
}

/** Runs inside the caller's transaction: a failure leaves the file exactly as it was. */
function applyMigrations(db: Db, migrations: readonly Migration[], plan: MigrationPlan): void {
  const { ledger, applied, pending, current } = plan;
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
}
