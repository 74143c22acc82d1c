import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';

const WORKSPACE = new URL('../../src-main/core/store/workspace.js', import.meta.url).href;
const LOG = new URL('../../src-main/core/audit/log.js', import.meta.url).href;

/**
 * A process that waits for the go file, then opens the home (migrating a fresh one) and appends an audited
 * change in a read-then-write transaction: started together, they hit the first open and the write lock at
 * the same moment, which the CLI's start-up time would otherwise spread out.
 */
function racer(home: string, go: string, label: string): Promise<{ code: number | null; stderr: string }> {
  const script = `
    const { existsSync, writeFileSync } = await import('node:fs');
    const { Workspace } = await import(${JSON.stringify(WORKSPACE)});
    const { appendAuditEvent } = await import(${JSON.stringify(LOG)});
    writeFileSync(${JSON.stringify(`${go}.${label}.ready`)}, '');
    const until = Date.now() + 120000;
    while (!existsSync(${JSON.stringify(go)})) {
      if (Date.now() > until) throw new Error('no go file after 120 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    const ws = Workspace.open(${JSON.stringify(home)});
    ws.db.transaction(() => {
      ws.db.prepare('SELECT COUNT(*) FROM audit_events').get();
      appendAuditEvent(ws.db, { action: 'test.race', entityId: ${JSON.stringify(label)}, payload: {} });
    })();
    ws.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('processes opening a fresh home at the same moment all migrate and write without a clash', async () => {
  const home = tempHome('attest-race');
  try {
    const go = join(home.dir, 'go');
    const labels = Array.from({ length: 10 }, (_, i) => `racer-${i}`);
    const running = labels.map((label) => racer(home.dir, go, label));
    // Once every process has loaded and is polling, the go file releases them together.
    const deadline = Date.now() + 120_000;
    while (!labels.every((label) => existsSync(`${go}.${label}.ready`))) {
      const waiting = labels.filter((label) => !existsSync(`${go}.${label}.ready`));
      assert.ok(Date.now() < deadline, `gave up after 120 s waiting for ${waiting.join(', ')} to start`);
      await new Promise((r) => setTimeout(r, 20));
    }
    writeFileSync(go, '');
    const runs = await Promise.all(running);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(join(home.dir, 'attest.sqlite')));
    const ws = Workspace.open(home.dir);
    try {
      const written = ws.db
        .prepare(`SELECT entity_id FROM audit_events WHERE action = 'test.race' ORDER BY entity_id`)
        .all() as { entity_id: string }[];
      assert.deepEqual(
        written.map((r) => r.entity_id),
        labels,
      );
      assert.equal(verifyAuditTrail(ws).ok, true);
    } finally {
      ws.close();
    }
  } finally {
    home.cleanup();
  }
});

/**
 * Several processes on one fresh home at once, as a script that starts imports in parallel does: the first
 * open migrates under an exclusive lock and the others wait for it, and every write waits its turn.
 */
test('parallel first imports on a fresh home all succeed, each audited once', async () => {
  const home = tempHome('attest-parallel');
  try {
    const names = Array.from({ length: 6 }, (_, i) => `parallel-${i}`);
    const runs = await Promise.all(
      names.map((name, i) =>
        runCli([
          'import',
          'synthetic-ecg',
          '--name',
          name,
          '--records',
          '2',
          '--seconds',
          '20',
          '--seed',
          String(i + 1),
          '--home',
          home.dir,
          '--json',
        ]),
      ),
    );
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const listed = await runCli(['datasets', 'list', '--home', home.dir, '--json']);
    const stored = (listed.json['datasets'] as { name: string }[]).map((d) => d.name).sort();
    assert.deepEqual(stored, names);
    const verify = await runCli(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    const log = await runCli(['audit', 'log', '--home', home.dir, '--json']);
    const events = log.json['events'] as { action: string; entityId: string | null }[];
    const ids = (listed.json['datasets'] as { id: string }[]).map((d) => d.id);
    for (const id of ids)
      assert.equal(
        events.filter((e) => e.entityId === id && e.action.startsWith('dataset.')).length >= 1,
        true,
        `dataset ${id} has its event`,
      );
  } finally {
    home.cleanup();
  }
});

test('parallel first `users add` on a fresh home: one administrator, the others refused cleanly', async () => {
  const home = tempHome('attest-parallel-users');
  try {
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        runCli(
          ['users', 'add', '--name', `admin${i}`, '--role', 'administrator', '--home', home.dir, '--json'],
          { env: { ATTEST_NEW_PASSWORD: `a long enough password ${i}` } },
        ),
      ),
    );
    const codes = runs.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 2, 2, 2, 2, 2], runs.map((r) => r.stderr).join('\n'));
    for (const run of runs.filter((r) => r.code === 2)) {
      assert.doesNotMatch(run.stderr, /database is locked|SQLITE_BUSY/);
      assert.match(run.stderr, /needs a signed-in administrator|this installation has user accounts/);
    }
    const users = await runCli(['users', 'list', '--home', home.dir, '--json']);
    assert.equal((users.json['users'] as unknown[]).length, 1);
  } finally {
    home.cleanup();
  }
});
