import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { runCli } from '../helpers/run-cli.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * Site mode (preview) from the command line, against a real PostgreSQL: `attest site init` prepares the
 * database and the site's key; `--store` (or ATTEST_DATABASE_URL) runs the commands on it; the few with a home
 * of their own and unreachable servers are refused with a message and exit 2.
 */

test('attest site init and --store on a real PostgreSQL', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  t.after(() => server.stop());
  const scratch = tempHome('attest-site-cli');
  t.after(scratch.cleanup);
  const url = await server.createDatabase('site');
  const home = join(scratch.dir, 'desk');
  const address = `127.0.0.1:${server.port}/site`;

  await t.test('site init migrates the database and creates the site key once', async () => {
    const init = await runCli(['site', 'init', '--database', url, '--home', home, '--json']);
    assert.equal(init.code, 0, init.stderr);
    assert.equal(init.json['database'], address);
    assert.equal(init.json['schemaVersion'], MIGRATIONS.at(-1)?.version);
    assert.match(String(init.json['keyId']), /^[0-9a-f]{64}$/);
    const again = await runCli(['site', 'init', '--database', url, '--home', home, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json['keyId'], init.json['keyId']);
    // Another desk's home cannot add a second signing key to the site.
    const other = await runCli(['site', 'init', '--database', url, '--home', join(scratch.dir, 'other')]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, new RegExp(`the site database at ${address} has its signing key already`));
  });

  await t.test('audit and projects commands run on the site store and verify', async () => {
    const add = await runCli(['projects', 'add', 'Holter study', '--store', url, '--home', home, '--json']);
    assert.equal(add.code, 0, add.stderr);
    const checkpoint = await runCli(['audit', 'checkpoint', '--home', home, '--json'], {
      env: { ATTEST_DATABASE_URL: url },
    });
    assert.equal(checkpoint.code, 0, checkpoint.stderr);
    const log = await runCli(['audit', 'log', '--store', url, '--home', home, '--json']);
    assert.deepEqual(
      (log.json['events'] as { action: string }[]).map((e) => e.action),
      ['audit.key.create', 'project.create'],
    );
    // A command run on the site store names this machine as its desk.
    const created = (log.json['events'] as { action: string; payload: Record<string, unknown> }[]).find(
      (e) => e.action === 'project.create',
    );
    assert.equal(created?.payload['desk'], `cli:${hostname()}`);
    const verify = await runCli(['audit', 'verify', '--store', url, '--home', home, '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(verify.json['ok'], true);
    assert.equal((verify.json['checkpoints'] as { count: number }).count, 1);
    // The home's own SQLite file was never written: the records went to the site.
    const local = await runCli(['audit', 'log', '--home', home, '--json']);
    assert.deepEqual(local.json['events'], []);
  });

  await t.test(
    'every records command runs on the site store; a command with a home of its own, a bad URL and an unreachable server are refused',
    async () => {
      const listing = await runCli(['datasets', 'list', '--store', url, '--home', home, '--json']);
      assert.equal(listing.code, 0, listing.stderr);
      assert.deepEqual(listing.json['datasets'], []);
      const demo = await runCli(['demo', '--store', url, '--home', home, '--json']);
      assert.equal(demo.code, 2);
      assert.match(
        String((demo.json['error'] as { message: string }).message),
        /attest demo does not run on a site store \(the demo builds a home of its own\)/,
      );
      const bad = await runCli(['audit', 'log', '--store', 'mysql://x', '--home', home]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--store must be a PostgreSQL URL/);
      // Nothing listens on port 1 of the loopback address.
      const down = await runCli([
        'audit',
        'verify',
        '--store',
        'postgres://attest:secret@127.0.0.1:1/site',
        '--home',
        home,
        '--json',
      ]);
      assert.equal(down.code, 2);
      const error = down.json['error'] as { message: string };
      assert.match(error.message, /^PostgreSQL at 127\.0\.0\.1:1\/site is not reachable/);
      assert.doesNotMatch(down.stdout + down.stderr, /secret/);
    },
  );
});
