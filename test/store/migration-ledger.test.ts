import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion } from '../../src-main/core/store/database.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../../src-main/core/store/migrations/index.js';
import { migrationFootprint } from '../../src-main/core/store/migration-probe.js';
import { tempHome } from '../helpers/temp-home.js';

function byVersion(...versions: number[]): Migration[] {
  return versions.map((v) => MIGRATIONS.find((m) => m.version === v) as Migration);
}

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
    (t) => t.name,
  );
}

function ledger(db: Database.Database): number[] {
  return (
    db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
  ).map((r) => r.version);
}

test('a home at schema 30 that never ran 0020 (it landed after 0030) gets 0020 on the next open', () => {
  const home = tempHome('ledger-legacy');
  try {
    const path = join(home.dir, 'a.sqlite');
    // Exactly what the old runner left: 0010 and 0030 applied, user_version 30, no ledger.
    const old = new Database(path);
    for (const m of byVersion(10, 30)) old.exec(m.sql);
    old.pragma('user_version = 30');
    old
      .prepare(
        `INSERT INTO models (id, name, arch, artifact_sha256, size_bytes, params, nonzero_params, backend,
       config_json, summary_json, created_at) VALUES ('m-1', 'm', 'a', 'x', 1, 1, 1, 'cpu', '{}', '{}', 'now')`,
      )
      .run();
    old.close();

    const db = openDatabase(path);
    for (const name of ['users', 'sessions', 'signatures', 'audit_keys', 'audit_checkpoints'])
      assert.ok(tables(db).includes(name), `0020's table ${name} now exists`);
    assert.deepEqual(
      ledger(db),
      MIGRATIONS.map((m) => m.version).sort((a, b) => a - b),
    );
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    const when = db.prepare('SELECT version, applied_at FROM schema_migrations').all() as {
      version: number;
      applied_at: string;
    }[];
    // 0010 and 0030 ran before the ledger; 0020 ran just now.
    assert.equal(when.find((r) => r.version === 30)?.applied_at, 'unknown');
    assert.match(when.find((r) => r.version === 20)?.applied_at ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(
      (db.prepare('SELECT count(*) AS n FROM models').get() as { n: number }).n,
      1,
      'the data stays',
    );
    db.close();
  } finally {
    home.cleanup();
  }
});

test('with the ledger, a migration numbered below the current version is applied when it arrives', () => {
  const home = tempHome('ledger-gap');
  try {
    const path = join(home.dir, 'a.sqlite');
    const first = openDatabase(path, byVersion(10, 30));
    assert.equal(schemaVersion(first), 30);
    assert.deepEqual(ledger(first), [10, 30]);
    assert.ok(!tables(first).includes('users'));
    first.close();
    const second = openDatabase(path, byVersion(10, 20, 30));
    assert.deepEqual(ledger(second), [10, 20, 30]);
    assert.ok(tables(second).includes('users'));
    assert.equal(schemaVersion(second), 30, 'the version stays the highest applied');
    second.close();
    // Opening again changes nothing.
    const third = openDatabase(path, byVersion(10, 20, 30));
    assert.deepEqual(ledger(third), [10, 20, 30]);
    third.close();
  } finally {
    home.cleanup();
  }
});

test('a database with a migration this version does not know is refused, untouched', () => {
  const home = tempHome('ledger-unknown');
  try {
    const path = join(home.dir, 'a.sqlite');
    const extra: Migration = { version: 25, name: 'from-the-future', sql: 'CREATE TABLE future (a)' };
    openDatabase(path, [...byVersion(10, 20), extra, ...byVersion(30)]).close();
    assert.throws(
      () => openDatabase(path, byVersion(10, 20, 30)),
      /migration 25 that this Attest does not know/,
    );
    const raw = new Database(path);
    assert.ok(tables(raw).includes('future'));
    raw.close();
  } finally {
    home.cleanup();
  }
});

test('a legacy database holding part of a migration is refused rather than patched', () => {
  const home = tempHome('ledger-partial');
  try {
    const path = join(home.dir, 'a.sqlite');
    const old = new Database(path);
    old.exec(byVersion(10)[0]?.sql ?? '');
    old.exec('CREATE TABLE users (id TEXT)');
    old.pragma('user_version = 20');
    old.close();
    assert.throws(() => openDatabase(path), /only part of migration 20 \(users-signatures\)/);
  } finally {
    home.cleanup();
  }
});

test('the footprint of a migration names what it creates and the columns it adds, not its comments', () => {
  const footprint = migrationFootprint(`
    -- CREATE TABLE not_this (a);
    CREATE TABLE projects (id TEXT);
    CREATE UNIQUE INDEX IF NOT EXISTS "projects_name" ON projects(id);
    CREATE TRIGGER t_no_delete BEFORE DELETE ON projects BEGIN SELECT 1; END;
    ALTER TABLE models ADD COLUMN note TEXT;`);
  assert.deepEqual(footprint.objects, ['projects', 'projects_name', 't_no_delete']);
  assert.deepEqual(footprint.columns, [{ table: 'models', column: 'note' }]);
});
