import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { badInput } from '../src-main/core/errors.js';
import { Workspace } from '../src-main/core/store/workspace.js';
import { listQueuedJobs } from '../src-main/core/store/queued-jobs.js';
import { listDatasets } from '../src-main/core/store/datasets.js';
import { startServer } from '../src-main/server/serve.js';
import { launchRedis, REDIS_SERVER } from '../test/helpers/redis-server.js';

const ATTEST_BIN = fileURLToPath(new URL('../../bin/attest.js', import.meta.url));

/**
 * `attest bench --site` (`npm run bench -- --site`): the site job queue under load, on this machine. A Redis on
 * loopback, a server with the queue, `workers` worker processes and `jobs` small jobs (synthetic ECG imports of
 * two short records) started through the server's HTTP API as a desk would; reports jobs per minute from the
 * first start to the last outcome, and checks that every job ended once (one dataset each, none twice).
 * A skeleton of the load test: reviewers, and killing a worker or Redis mid-run, are not in it yet.
 */
export async function runSiteBench(options: {
  jobs: number;
  workers: number;
}): Promise<Record<string, unknown>> {
  if (!existsSync(REDIS_SERVER))
    throw badInput(`bench --site needs ${REDIS_SERVER} (Debian package redis-server)`);
  const redis = await launchRedis();
  const home = mkdtempSync(join(tmpdir(), 'attest-site-bench-'));
  const workers: ChildProcess[] = [];
  const running = await startServer({ home, queue: redis.url });
  try {
    for (let i = 0; i < options.workers; i++) {
      const child = spawn(process.execPath, [ATTEST_BIN, 'worker', '--home', home, '--queue', redis.url], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      await new Promise<void>((resolve, reject) => {
        let log = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          if (log.includes('takes jobs from')) resolve();
        });
        child.once('exit', (code) =>
          reject(new Error(`a worker exited (${code}) before it started:\n${log}`)),
        );
      });
      workers.push(child);
    }
    const call = async (action: string, payload: unknown) => {
      const response = await fetch(`http://127.0.0.1:${running.port}/api/call/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${running.token}` },
        body: JSON.stringify(payload),
      });
      return (await response.json()) as { ok: boolean; error?: { message: string } };
    };
    const started = Date.now();
    for (let i = 0; i < options.jobs; i++) {
      const answer = await call('jobs.start', {
        kind: 'import-synthetic',
        name: `bench-${i}`,
        records: 2,
        seconds: 10,
        seed: i + 1,
        split: 'records:1:0.34',
      });
      if (!answer.ok) throw new Error(`job ${i} was refused: ${answer.error?.message ?? '?'}`);
    }
    const submitSeconds = (Date.now() - started) / 1000;
    const open = () => {
      const workspace = Workspace.open(home);
      try {
        const rows = listQueuedJobs(workspace.db, options.jobs);
        return {
          over: rows.filter((r) => r.status !== 'queued' && r.status !== 'running').length,
          succeeded: rows.filter((r) => r.status === 'succeeded').length,
          datasets: listDatasets(workspace.db).map((d) => d.name),
        };
      } finally {
        workspace.close();
      }
    };
    let state = open();
    while (state.over < options.jobs) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = open();
    }
    const seconds = (Date.now() - started) / 1000;
    return {
      workers: options.workers,
      jobs: options.jobs,
      job: 'import-synthetic, 2 records of 10 s',
      submit_seconds: Math.round(submitSeconds * 100) / 100,
      seconds: Math.round(seconds * 100) / 100,
      jobs_per_minute: Math.round((options.jobs / seconds) * 60 * 10) / 10,
      succeeded: state.succeeded,
      datasets: state.datasets.length,
      each_once:
        new Set(state.datasets).size === state.datasets.length && state.datasets.length === state.succeeded,
    };
  } finally {
    for (const child of workers) child.kill('SIGINT');
    await Promise.all(
      workers.map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
      ),
    );
    await running.close();
    await redis.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
