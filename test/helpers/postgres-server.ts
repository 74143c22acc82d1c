import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { missingReference } from './reference.js';

/*
 * A real PostgreSQL for a test: a fresh cluster in a temporary folder, listening on loopback on a free port,
 * stopped and removed afterwards. Debian installs the server outside PATH (/usr/lib/postgresql/N/bin); initdb and
 * postgres refuse to run as root, so as root (CI) they run as the `postgres` user on a folder chowned to it.
 * Durability is switched off (fsync, synchronous_commit): a test cluster is thrown away, and it is faster.
 */

export interface PostgresServer {
  /** Connection URL of the `postgres` database, as the superuser `attest` (trust authentication, loopback only). */
  url: string;
  port: number;
  /** A new empty database on the server, and its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or undefined. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a server binary, as `postgres` when this process is root. */
function asServerUser(binary: string, args: string[]): { command: string; args: string[] } {
  const root = process.getuid?.() === 0;
  return root
    ? { command: 'runuser', args: ['-u', 'postgres', '--', binary, ...args] }
    : { command: binary, args };
}

/**
 * Starts a server for the test, or skips the test (fails it in CI) when PostgreSQL is not installed. Register
 * `stop` with `after`/`t.after`.
 */
export async function startPostgres(t: TestContext): Promise<PostgresServer | undefined> {
  const bin = postgresBinaries();
  if (bin === undefined) {
    missingReference(t, 'PostgreSQL is not installed (Debian package postgresql)');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'attest-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'run');
  mkdirSync(sockets);
  if (process.getuid?.() === 0) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (owner.status !== 0)
      throw new Error('running as root, but there is no postgres user to run PostgreSQL as');
    for (const path of [dir, sockets]) chownSync(path, Number(owner.stdout), Number(group.stdout));
  }
  const init = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'attest',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  const initRun = spawnSync(init.command, init.args, { encoding: 'utf8' });
  if (initRun.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${initRun.stderr || initRun.stdout}`);
  }
  // The port is free when chosen but may be taken before the server binds it (tests start servers in
  // parallel): a server that could not bind is started again on another port.
  for (let launch = 1; ; launch++) {
    const server = await launchServer(bin, data, sockets);
    if (server.ready) return serverHandle(dir, data, server);
    rmSync(join(data, 'postmaster.pid'), { force: true });
    if (launch < 3 && /could not bind|already in use/i.test(server.log)) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${server.log}`);
  }
}

interface Launched {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
  ready: boolean;
  log: string;
}

const exitedAlready = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** Starts the server and waits until it takes connections (ready) or exits (not ready, with its log). */
async function launchServer(bin: string, data: string, sockets: string): Promise<Launched> {
  const port = await freePort();
  const run = asServerUser(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    sockets,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=60',
  ]);
  const child: ChildProcess = spawn(run.command, run.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const launched: Launched = {
    child,
    port,
    exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    ready: false,
    log: '',
  };
  child.stderr?.on('data', (chunk: Buffer) => (launched.log += chunk.toString()));
  const url = `postgres://attest@127.0.0.1:${port}/postgres`;
  // A loaded machine (tests in parallel) can take many seconds to start a server: up to a minute.
  const deadline = Date.now() + 60_000;
  while (!exitedAlready(child) && Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      launched.ready = true;
      return launched;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (!exitedAlready(child)) {
    launched.log += '\n(did not accept connections within a minute)';
    await stopServer(data, launched);
  }
  await launched.exited;
  return launched;
}

async function stopServer(data: string, server: Launched): Promise<void> {
  if (exitedAlready(server.child)) return;
  // The postmaster's own pid (runuser in between does not pass signals on): SIGINT is the fast shutdown.
  const pidFile = join(data, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
  if (pid > 0) process.kill(pid, 'SIGINT');
  else server.child.kill('SIGINT');
  await server.exited;
}

function serverHandle(dir: string, data: string, server: Launched): PostgresServer {
  const { port } = server;
  const url = `postgres://attest@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    await stopServer(data, server);
    rmSync(dir, { recursive: true, force: true });
  };

  const createDatabase = async (name: string): Promise<string> => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return `postgres://attest@127.0.0.1:${port}/${name}`;
  };

  return { url, port, createDatabase, stop };
}
