import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { getJob, markInterruptedJobs } from '../../src-main/core/store/jobs.js';
import { processStartedAt } from '../../src-main/core/util/process-identity.js';
import { tempHome } from '../helpers/temp-home.js';

/** A live process that is not this one (a Node child waiting on its stdin); stop() resolves once it is gone. */
async function liveChild(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  await new Promise((resolve) => child.once('spawn', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid as number,
    stop: () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

const linux = process.platform === 'linux';

test(
  'a running job whose process id now belongs to a later process is marked interrupted; its own live process keeps it running',
  { skip: !linux && 'process start times are read from /proc' },
  async () => {
    const home = tempHome('jobs-pid');
    const workspace = Workspace.open(home.dir);
    const child = await liveChild();
    try {
      const started = processStartedAt(child.pid);
      assert.ok(started !== undefined && Math.abs(started - Date.now()) < 60_000, `start time ${started}`);
      const insert = workspace.db.prepare(
        `INSERT INTO jobs (id, kind, status, params_json, pid, created_at, started_at) VALUES (?, 'train', 'running', '{}', ?, ?, ?)`,
      );
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      const later = new Date(Date.now() + 60_000).toISOString();
      insert.run('job-reused', child.pid, hourAgo, hourAgo); // the child started after this job: not its process
      insert.run('job-alive', child.pid, later, later); // started before the child was recorded: its process
      assert.equal(markInterruptedJobs(workspace.db), 1);
      assert.equal(getJob(workspace.db, 'job-reused')?.status, 'interrupted');
      assert.equal(getJob(workspace.db, 'job-alive')?.status, 'running');
      child.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(markInterruptedJobs(workspace.db), 1);
      assert.equal(getJob(workspace.db, 'job-alive')?.status, 'interrupted');
    } finally {
      child.stop();
      workspace.close();
      home.cleanup();
    }
  },
);

test('the first artifact write removes temporary files whose writer is gone, and keeps those of a live writer', async () => {
  const home = tempHome('partials');
  const child = await liveChild();
  try {
    const workspace = Workspace.open(home.dir);
    const folder = join(workspace.artifacts.dir, 'cd');
    mkdirSync(folder, { recursive: true });
    const digest = 'cd'.repeat(32);
    const dead = join(folder, `${digest}.999999999.00aa11bb.partial`);
    const live = join(folder, `${digest}.${child.pid}.00aa11cc.partial`);
    const oldAnonymous = join(folder, `${digest}.00aa11dd.partial`);
    const freshAnonymous = join(folder, `${digest}.00aa11ee.partial`);
    for (const path of [dead, live, oldAnonymous, freshAnonymous]) writeFileSync(path, 'half');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(oldAnonymous, hourAgo, hourAgo);
    workspace.artifacts.put(new TextEncoder().encode('a real artifact'));
    assert.equal(existsSync(dead), false);
    assert.equal(existsSync(oldAnonymous), false);
    assert.equal(existsSync(live), true);
    assert.equal(existsSync(freshAnonymous), true);
    workspace.close();
  } finally {
    await child.stop();
    home.cleanup();
  }
});
