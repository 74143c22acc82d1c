import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStore } from '../../src-main/core/store/postgres/migrate-postgres.js';
import { createProject, listProjects } from '../../src-main/core/projects/projects.js';
import { startPostgres } from '../helpers/postgres-server.js';

/*
 * A long-lived server or worker on a site store outlives a lost PostgreSQL session: the next statement that
 * stands alone runs on a new session; a transaction cut off mid-way fails as a whole and leaves nothing behind.
 * The sessions are ended by the server itself (pg_terminate_backend), as a restart or a network cut would.
 */

async function endOtherSessions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

test('a site store reconnects after its session is ended, never inside a transaction', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  t.after(() => server.stop());
  const url = await server.createDatabase('reconnect');
  const db = openPostgresStore(url);
  t.after(() => db.close());
  const names = () =>
    listProjects(db)
      .map((p) => p.name)
      .sort();
  const first = names();
  createProject(db, 'Before');
  const before = [...first, 'Before'].sort();

  assert.equal(await endOtherSessions(url), 1);
  // The session was ended: a read sent before the store heard of it fails (it may have been on the wire), and
  // the next one goes to a new session.
  let after: string[];
  try {
    after = names();
  } catch (error) {
    assert.match((error as Error).message, /not reachable/);
    after = names();
  }
  assert.deepEqual(after, before);

  // Cut off inside a transaction: the error reaches the caller and the transaction's project is not stored.
  const ending = db.transaction(() => {
    db.prepare('SELECT 1 AS one').get();
    // The statement after the cut must not move to a new session mid-transaction.
    const cut = db.prepare('SELECT pg_terminate_backend(pg_backend_pid())');
    createProject(db, 'Half');
    cut.get();
    createProject(db, 'After the cut');
  });
  assert.throws(ending, /not reachable|terminat/i);
  assert.deepEqual(names(), before);
  createProject(db, 'Afterwards');
  assert.deepEqual(names(), [...before, 'Afterwards'].sort());
});
