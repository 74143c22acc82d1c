import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion } from '../../src-main/core/store/database.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src-main/core/store/migrations/index.js';
import { tempHome } from '../helpers/temp-home.js';

test('migrations are numbered in steps of 10, strictly increasing', () => {
  // Numbers are reserved per feature and may land out of order, so gaps are allowed; order and step are not.
  MIGRATIONS.forEach((m, i) => {
    assert.equal(m.version % 10, 0, `${m.name}: ${m.version} is a multiple of 10`);
    if (i > 0)
      assert.ok(m.version > (MIGRATIONS[i - 1]?.version ?? 0), `${m.name} comes after its predecessor`);
  });
  assert.equal(SCHEMA_VERSION, MIGRATIONS.at(-1)?.version);
});

test('0010-initial creates the tables with WAL, FULL sync and foreign keys on a real file', () => {
  const home = tempHome();
  try {
    const db = openDatabase(join(home.dir, 'a.sqlite'), MIGRATIONS.slice(0, 1));
    assert.equal(schemaVersion(db), 10);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((t) => t.name);
    for (const name of [
      'datasets',
      'source_files',
      'models',
      'jobs',
      'checkpoints',
      'metrics',
      'audit_events',
    ]) {
      assert.ok(tables.includes(name), `table ${name} exists`);
    }
    // lineage: a model's parent must exist
    assert.throws(
      () =>
        db
          .prepare(
            `INSERT INTO models (id, name, arch, parent_id, artifact_sha256, size_bytes, params, nonzero_params,
             backend, config_json, summary_json, created_at) VALUES ('m', 'm', 'a', 'nope', 'x', 1, 1, 1, 'cpu', '{}', '{}', 'now')`,
          )
          .run(),
      /FOREIGN KEY/,
    );
    db.close();
  } finally {
    home.cleanup();
  }
});

test('audit events cannot be updated or deleted, even with plain SQL', () => {
  const home = tempHome();
  try {
    const db = openDatabase(join(home.dir, 'a.sqlite'));
    db.prepare(
      `INSERT INTO audit_events (seq, id, at, actor, action, payload_json, prev_hash, hash)
       VALUES (1, 'e', 'now', 'me', 'x', '{}', 'p', 'h')`,
    ).run();
    assert.throws(() => db.prepare("UPDATE audit_events SET actor = 'other'").run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit_events').run(), /append-only/);
    db.close();
  } finally {
    home.cleanup();
  }
});

test('reopening is idempotent and a newer database is refused, untouched', () => {
  const home = tempHome();
  try {
    const path = join(home.dir, 'a.sqlite');
    openDatabase(path).close();
    const again = openDatabase(path);
    assert.equal(schemaVersion(again), SCHEMA_VERSION);
    again.pragma(`user_version = ${SCHEMA_VERSION + 10}`);
    again.close();
    assert.throws(() => openDatabase(path), /newer than this Attest understands/);
    const raw = new Database(path);
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION + 10);
    raw.close();
  } finally {
    home.cleanup();
  }
});

test('a failing migration leaves the database as it was', () => {
  const home = tempHome();
  try {
    const path = join(home.dir, 'a.sqlite');
    const broken = [
      ...MIGRATIONS,
      { version: SCHEMA_VERSION + 10, name: 'broken', sql: 'CREATE TABLE t (a); SELEC nonsense;' },
    ];
    openDatabase(path).close();
    assert.throws(() => openDatabase(path, broken));
    const db = openDatabase(path);
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.equal(
      (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get() as { n: number }).n,
      0,
    );
    db.close();
  } finally {
    home.cleanup();
  }
});
