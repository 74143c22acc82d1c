import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startPostgres } from '../helpers/postgres-server.js';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * PostgreSQL that does not answer at first: the store's connection is tried again a bounded number of times
 * (three in all) and then reported unreachable by address; a server that answers by the third try is used. A
 * loopback relay in front of a real server drops the first connections it is given, so the count is exact and
 * nothing depends on timing.
 */

/** Relays connections to `port`, dropping the first `drop` of them at once; counts every connection. */
async function flakyRelay(
  port: number,
  drop: number,
): Promise<{ port: number; connections: () => number; server: Server }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (connections <= drop) {
      socket.destroy();
      return;
    }
    const upstream = connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connections: () => connections,
    server,
  };
}

test('the site store connection is retried a bounded number of times', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  t.after(() => pg.stop());
  const home = tempHome('attest-pg-retry');
  t.after(home.cleanup);
  const database = await pg.createDatabase('retry');
  const through = (port: number) => database.replace(`:${pg.port}/`, `:${port}/`);

  await t.test('a server that answers on the third try is used', async () => {
    const relay = await flakyRelay(pg.port, 2);
    t.after(() => relay.server.close());
    const run = await runCli([
      'projects',
      'list',
      '--store',
      through(relay.port),
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Array.isArray(run.json['projects']), run.stdout);
    assert.equal(relay.connections(), 3);
  });

  await t.test('a server that never answers is named after three tries, exit 2', async () => {
    const relay = await flakyRelay(pg.port, Number.POSITIVE_INFINITY);
    t.after(() => relay.server.close());
    const run = await runCli([
      'projects',
      'list',
      '--store',
      through(relay.port),
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(run.code, 2);
    const error = run.json['error'] as { message: string };
    assert.match(
      error.message,
      new RegExp(
        `^PostgreSQL at 127\\.0\\.0\\.1:${relay.port}/retry is not reachable: .*tried 3 times over 1\\.5 s`,
      ),
    );
    assert.equal(relay.connections(), 3);
  });
});
