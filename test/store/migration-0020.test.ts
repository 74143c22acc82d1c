import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, schemaVersion } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import { tempHome } from '../helpers/temp-home.js';

test('0020 adds users, sessions, signatures, keys and checkpoints to a database at 0010; signatures are append-only', () => {
  const home = tempHome('m0020');
  try {
    const path = join(home.dir, 'a.sqlite');
    const old = openDatabase(
      path,
      MIGRATIONS.filter((m) => m.version < 20),
    );
    assert.equal(schemaVersion(old), 10);
    old.close();
    const db = openDatabase(path);
    assert.ok(schemaVersion(db) >= 20);
    const tables = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
    ).map((t) => t.name);
    for (const name of ['users', 'sessions', 'signatures', 'audit_keys', 'audit_checkpoints'])
      assert.ok(tables.includes(name), name);
    db.prepare(
      `INSERT INTO users (id, name, printed_name, role, password_hash, password_changed_at, created_at)
       VALUES ('u1', 'Rita', 'Rita R', 'reviewer', 'h', 'now', 'now')`,
    ).run();
    assert.throws(
      () =>
        db
          .prepare(
            `INSERT INTO users (id, name, printed_name, role, password_hash, password_changed_at, created_at)
           VALUES ('u2', 'rita', 'x', 'reviewer', 'h', 'now', 'now')`,
          )
          .run(),
      /UNIQUE/,
      'user names are unique regardless of case',
    );
    assert.throws(
      () =>
        db
          .prepare(
            `INSERT INTO users (id, name, printed_name, role, password_hash, password_changed_at, created_at)
           VALUES ('u3', 'root', 'x', 'superuser', 'h', 'now', 'now')`,
          )
          .run(),
      /CHECK/,
    );
    db.prepare(
      `INSERT INTO signatures (id, entity_type, entity_id, record_sha256, meaning, user_id, user_name, printed_name, role,
         signed_at, event_id) VALUES ('s1', 'validation', 'v1', 'x', 'approved', 'u1', 'Rita', 'Rita R', 'reviewer', 'now', 'e1')`,
    ).run();
    assert.throws(() => db.prepare(`UPDATE signatures SET meaning = 'rejected'`).run(), /append-only/);
    assert.throws(() => db.prepare(`DELETE FROM signatures`).run(), /append-only/);
    assert.throws(
      () =>
        db
          .prepare(
            `INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, created_at, key_id, signature) VALUES (1, 'r', 'h', 'now', 'nokey', 's')`,
          )
          .run(),
      /FOREIGN KEY/,
      'a checkpoint needs a known key',
    );
    db.close();
  } finally {
    home.cleanup();
  }
});
