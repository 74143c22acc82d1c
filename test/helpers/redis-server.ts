import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { missingReference } from './reference.js';

/*
 * A real Redis for the job-queue tests: Debian's redis-server on loopback, on a free port, with its files in a
 * temporary folder, stopped and removed after the test. No persistence unless asked for (`appendOnly`: a test
 * that restarts Redis and expects its jobs back). Missing redis-server skips the test on a developer's machine
 * and fails it in CI, where .ci/run installs it.
 */

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface TestRedis {
  url: string;
  port: number;
  /** Kills Redis at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (with `appendOnly`, with the jobs it had). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP port nothing listens on now (the OS picks it; Redis takes it a moment later). */
export function freePort(): Promise<number> {
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

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts redis-server on a free loopback port with its files in a new temporary folder (also used by
 * `attest bench --site`); `stop` removes the folder.
 */
export async function launchRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'attest-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', options.appendOnly === true ? 'yes' : 'no');
    const started = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = started;
    for (let i = 0; i < 200; i++) {
      if (started.exitCode !== null) break;
      if (await answers(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2000)}`);
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => halt('SIGKILL'),
    restart: launch,
    stop: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A Redis for one test, stopped after it. Undefined (and the test skipped, or failed in CI) when redis-server is
 * not installed. Cleanups run in the order registered, so Redis stops before those registered later: a test
 * stops its workers itself before it ends.
 */
export async function startRedis(
  t: TestContext,
  options: { appendOnly?: boolean } = {},
): Promise<TestRedis | undefined> {
  if (!existsSync(REDIS_SERVER)) {
    missingReference(t, `${REDIS_SERVER} is not installed (Debian package redis-server)`);
    return undefined;
  }
  const redis = await launchRedis(options);
  t.after(() => redis.stop());
  return redis;
}
