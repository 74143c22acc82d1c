import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Db } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import { openPostgresStore } from '../../src-main/core/store/postgres/migrate-postgres.js';
import { postgresSql } from '../../src-main/core/store/postgres/translate-migration.js';
import { toPostgresStatement } from '../../src-main/core/store/postgres/translate-statement.js';
import { primaryKeys } from '../../src-main/core/store/postgres/translate-migration.js';
import { createProject, listProjects } from '../../src-main/core/projects/projects.js';
import { appendAuditEvent } from '../../src-main/core/audit/log.js';
import { AttestError } from '../../src-main/core/errors.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * The store on PostgreSQL (site mode) against a real server started for the test: the numbered migrations build
 * the same tables there, the append-only triggers refuse the same changes with the same messages, and the
 * store code's statements run unchanged through the synchronous handle.
 */

test('every migration translates to PostgreSQL without a SQLite construct left over', () => {
  for (const migration of MIGRATIONS) {
    const sql = postgresSql(migration);
    assert.doesNotMatch(sql, /RAISE\(ABORT|strftime|NOCASE|\bINTEGER\b|\bREAL\b/, migration.name);
  }
});

test('a migration with a construct the translation does not know is refused by name', () => {
  assert.throws(
    () =>
      postgresSql({
        version: 990,
        name: 'odd',
        sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);',
      }),
    /migration 990 \(odd\) uses AUTOINCREMENT/,
  );
  // Given its own PostgreSQL text, the migration is used as written.
  const own = 'CREATE TABLE t (id BIGSERIAL PRIMARY KEY);';
  assert.equal(postgresSql({ version: 990, name: 'odd', sql: 'AUTOINCREMENT', postgres: own }), own);
});

test('statements are numbered for PostgreSQL, leaving strings alone', () => {
  const keys = primaryKeys(MIGRATIONS);
  const positional = toPostgresStatement("SELECT '?' AS q, a FROM t WHERE b = ? AND c = ?", keys);
  assert.equal(positional.text, "SELECT '?' AS q, a FROM t WHERE b = $1 AND c = $2");
  const named = toPostgresStatement('INSERT INTO t (a, b) VALUES (@a, @b) -- @c', keys);
  assert.deepEqual(named.names, ['a', 'b']);
  const replace = toPostgresStatement(
    'INSERT OR REPLACE INTO checkpoints (job_id, epoch, artifact_sha256, metrics_json, created_at) VALUES (?, ?, ?, ?, ?)',
    keys,
  );
  assert.match(
    replace.text,
    /ON CONFLICT \(job_id, epoch\) DO UPDATE SET artifact_sha256 = EXCLUDED\.artifact_sha256, metrics_json = EXCLUDED\.metrics_json, created_at = EXCLUDED\.created_at$/,
  );
  assert.match(
    toPostgresStatement('INSERT OR IGNORE INTO x (a) VALUES (?)', keys).text,
    /ON CONFLICT DO NOTHING$/,
  );
  const keyed = toPostgresStatement('INSERT INTO metrics (validation_id) VALUES (?)', keys);
  assert.equal(keyed.returnsKey, true);
  assert.match(keyed.text, /RETURNING id$/);
});

/** Rows in every append-only table, written through the store handle, so the same code fills both stores. */
function fillAppendOnlyTables(db: Db): void {
  db.transaction(() => {
    appendAuditEvent(db, { action: 'test.fill', actor: 'os:test', payload: {} });
    db.prepare(
      `INSERT INTO users (id, name, printed_name, role, password_hash, password_changed_at, created_at)
       VALUES ('usr-1', 'alice', 'Alice', 'reviewer', 'x', 'now', 'now')`,
    ).run();
    db.prepare(
      `INSERT INTO signatures (id, entity_type, entity_id, record_sha256, meaning, user_id, user_name,
       printed_name, role, signed_at, event_id) VALUES ('sig-1', 'model', 'm', 'h', 'reviewed', 'usr-1', 'alice',
       'Alice', 'reviewer', 'now', 'ev')`,
    ).run();
    db.prepare(
      "INSERT INTO audit_keys (key_id, algorithm, public_key_pem, created_at) VALUES ('k', 'ed25519', 'pem', 'now')",
    ).run();
    db.prepare(
      `INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, created_at, key_id, signature)
       VALUES (1, 'r', 'h', 'now', 'k', 's')`,
    ).run();
  })();
}

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

test('the store on a real PostgreSQL', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  t.after(() => server.stop());
  const home = tempHome('attest-site-store');
  t.after(home.cleanup);

  await t.test('the migrations build the same tables and columns as on SQLite', async () => {
    const url = await server.createDatabase('tables');
    const site = openPostgresStore(url);
    const local = openDatabase(join(home.dir, 'tables.sqlite'));
    try {
      const sqliteColumns = (
        local
          .prepare(
            `SELECT m.name AS t, c.name AS c FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' ORDER BY 1, 2`,
          )
          .all() as { t: string; c: string }[]
      ).map((r) => `${r.t}.${r.c}`);
      const postgresColumns = (
        site
          .prepare(
            `SELECT table_name AS t, column_name AS c FROM information_schema.columns
             WHERE table_schema = current_schema() ORDER BY 1, 2`,
          )
          .all() as { t: string; c: string }[]
      ).map((r) => `${r.t}.${r.c}`);
      assert.deepEqual(postgresColumns, sqliteColumns);
      assert.equal(
        site.pragma('user_version', { simple: true }),
        local.pragma('user_version', { simple: true }),
      );
      const versions = (db: Db): number[] =>
        (
          db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
        ).map((r) => r.version);
      assert.deepEqual(versions(site), versions(local));
      // The default project's time is written by the migration in the same ISO form on both.
      const [project] = listProjects(site);
      assert.match(project?.createdAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      site.close();
      local.close();
    }
    // Opened again, nothing is applied twice.
    const again = openPostgresStore(url);
    try {
      const count = again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
      assert.equal(count.n, MIGRATIONS.length);
    } finally {
      again.close();
    }
  });

  await t.test('every append-only trigger refuses the same change with the same message', async () => {
    const site = openPostgresStore(await server.createDatabase('triggers'));
    const local = openDatabase(join(home.dir, 'triggers.sqlite'));
    try {
      fillAppendOnlyTables(site);
      fillAppendOnlyTables(local);
      const triggers = local
        .prepare("SELECT name, tbl_name AS tbl, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        .all() as { name: string; tbl: string; sql: string }[];
      assert.ok(triggers.length >= 9, 'the migrations protect the audit, signature, key and project tables');
      for (const trigger of triggers) {
        const update = /BEFORE UPDATE/.test(trigger.sql);
        const column = { audit_events: 'actor', signatures: 'reason' }[trigger.tbl] ?? 'created_at';
        const change = update
          ? `UPDATE ${trigger.tbl} SET ${column} = 'changed'`
          : `DELETE FROM ${trigger.tbl}`;
        const expected = refusal(() => local.prepare(change).run());
        assert.match(expected, /append-only|never deleted/, `${trigger.name} on SQLite`);
        assert.equal(
          refusal(() => site.prepare(change).run()),
          expected,
          `${trigger.name} on PostgreSQL`,
        );
        if (!update)
          assert.equal(
            refusal(() => site.exec(`TRUNCATE ${trigger.tbl} CASCADE`)),
            expected,
            `${trigger.tbl} truncate`,
          );
      }
      assert.equal((site.prepare('SELECT COUNT(*) AS n FROM audit_events').get() as { n: number }).n, 1);
    } finally {
      site.close();
      local.close();
    }
  });

  await t.test(
    'store code runs unchanged: case-blind names, ids filled in, rollback on failure',
    async () => {
      const site = openPostgresStore(await server.createDatabase('store_code'));
      try {
        const project = createProject(site, 'Holter study');
        assert.throws(
          () => createProject(site, 'HOLTER STUDY'),
          /a project named "HOLTER STUDY" exists already/,
        );
        assert.deepEqual(
          listProjects(site).map((p) => p.id),
          ['prj-default', project.id],
        );
        // An INTEGER PRIMARY KEY left out is filled in and reported, as SQLite's rowid is.
        const first = site
          .prepare(
            `INSERT INTO audit_keys (key_id, algorithm, public_key_pem, created_at) VALUES ('k', 'ed25519', 'p', 'now')`,
          )
          .run();
        assert.equal(first.changes, 1);
        const insert = site.prepare(
          `INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, created_at, key_id, signature)
         VALUES (?, 'r', 'h', 'now', 'k', 's')`,
        );
        assert.deepEqual([insert.run(1).lastInsertRowid, insert.run(2).lastInsertRowid], [1, 2]);
        // A failure inside a transaction leaves neither the change nor its audit event.
        const events = (): number =>
          (site.prepare('SELECT COUNT(*) AS n FROM audit_events').get() as { n: number }).n;
        const before = events();
        assert.throws(
          () =>
            site.transaction(() => {
              site.prepare("INSERT INTO projects (id, name, created_at) VALUES ('prj-x', 'X', 'now')").run();
              appendAuditEvent(site, { action: 'project.create', actor: 'os:test', payload: {} });
              throw new Error('stop');
            })(),
          /stop/,
        );
        assert.equal(events(), before);
        assert.equal(site.prepare("SELECT 1 FROM projects WHERE id = 'prj-x'").get(), undefined);
      } finally {
        site.close();
      }
    },
  );

  await t.test('a connection lost in the middle of a change leaves nothing half-written', async () => {
    const url = await server.createDatabase('lost');
    const site = openPostgresStore(url);
    try {
      const error = (() => {
        try {
          site.transaction(() => {
            site
              .prepare("INSERT INTO projects (id, name, created_at) VALUES ('prj-lost', 'Lost', 'now')")
              .run();
            appendAuditEvent(site, { action: 'project.create', actor: 'os:test', payload: {} });
            // The server ends this connection, as a restart or a network cut would.
            site.prepare('SELECT pg_terminate_backend(pg_backend_pid())').get();
          })();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      assert.ok(error instanceof AttestError, String(error));
      assert.match(
        error.message,
        new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${server.port}/lost is not reachable`),
      );
    } finally {
      site.close();
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const projects = await client.query("SELECT id FROM projects WHERE id = 'prj-lost'");
      const events = await client.query('SELECT seq FROM audit_events');
      assert.equal(projects.rowCount, 0);
      assert.equal(events.rowCount, 0);
    } finally {
      await client.end();
    }
  });

  await t.test('an unreachable server is named in the message', async () => {
    // Nothing listens on port 1 of the loopback address.
    const stopped = 'postgres://attest:secret@127.0.0.1:1/nowhere';
    assert.throws(
      () => openPostgresStore(stopped),
      (error: unknown) =>
        error instanceof AttestError &&
        error.code === 'BAD_INPUT' &&
        error.message.startsWith('PostgreSQL at 127.0.0.1:1/nowhere is not reachable') &&
        !error.message.includes('secret'),
    );
  });
});
