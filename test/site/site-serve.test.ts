import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { tempHome } from '../helpers/temp-home.js';
import { startRedis } from '../helpers/redis-server.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { ATTEST_BIN, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { addUser, type Role } from '../../src-main/core/audit/users.js';
import { listAuditEvents, runAsActor } from '../../src-main/core/audit/log.js';
import { ACTION_ROLES } from '../../src-main/server/site-roles.js';

/*
 * `attest site serve --config FILE` as a site runs it: over HTTPS (the test certificate in test/fixtures/tls),
 * on a real PostgreSQL and Redis. Without a session every action but the sign-in is 401; a wrong password is 401
 * and audited; each role may call exactly the actions of its row in the table below (403 and an audit event
 * naming the user and the desk otherwise); sessions last as the configuration says.
 */

const TLS = join(REPO_ROOT, 'test', 'fixtures', 'tls');
const CA = readFileSync(join(TLS, 'localhost-cert.pem'));

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function post(port: number, action: string, payload: unknown, session?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        method: 'POST',
        path: `/api/call/${action}`,
        ca: CA,
        headers: {
          'Content-Type': 'application/json',
          ...(session !== undefined ? { 'X-Attest-Session': session } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

/** Starts `attest site serve` and resolves with its port once it prints its address. */
function startSite(args: string[]): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [ATTEST_BIN, 'site', 'serve', ...args, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      const { port } = JSON.parse(stdout) as { port: number };
      resolve({
        port,
        stop: async () => {
          child.kill('SIGINT');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`attest site serve exited:\n${stderr}`)));
  });
}

/** Who may call what: the actions the test calls with each role, and whether the role may (true) or gets 403. */
const ROLE_TABLE: { action: string; payload: unknown; may: Record<Role, boolean> }[] = [
  { action: 'datasets.list', payload: {}, may: { operator: true, reviewer: true, administrator: true } },
  { action: 'audit.verify', payload: {}, may: { operator: true, reviewer: true, administrator: true } },
  {
    action: 'projects.create',
    payload: { name: 'Holter' },
    may: { operator: true, reviewer: false, administrator: true },
  },
  {
    action: 'jobs.cancel',
    payload: { jobId: 'job-000000000000' },
    may: { operator: true, reviewer: false, administrator: true },
  },
  {
    action: 'records.sign',
    payload: { entityType: 'validation', entityId: 'val-000000000000', meaning: 'approved', password: 'x' },
    may: { operator: false, reviewer: true, administrator: true },
  },
  { action: 'users.list', payload: {}, may: { operator: false, reviewer: false, administrator: true } },
  { action: 'audit.checkpoint', payload: {}, may: { operator: false, reviewer: false, administrator: true } },
];

const PASSWORDS: Record<Role, [string, string]> = {
  administrator: ['alice', 'admin-secret-1'],
  operator: ['olga', 'operator-secret-3'],
  reviewer: ['rita', 'reviewer-secret-2'],
};

test('the site server: HTTPS, sign-in, sessions of the configured length, and every action authorized by role', async (t) => {
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const server = await startPostgres(t);
  if (server === undefined) return;
  cleanups.push(() => server.stop());
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const scratch = tempHome('attest-site-serve');
  cleanups.push(scratch.cleanup);
  const url = await server.createDatabase('site');
  const home = join(scratch.dir, 'site-home');
  const init = await runCli(['site', 'init', '--database', url, '--home', home, '--json']);
  assert.equal(init.code, 0, init.stderr);
  const site = Workspace.openOnPostgres(url, home);
  try {
    addUser(site.db, {
      name: 'alice',
      printedName: 'Alice Admin',
      role: 'administrator',
      password: 'admin-secret-1',
    });
    runAsActor('user:alice', () => {
      addUser(site.db, {
        name: 'olga',
        printedName: 'Olga Operator',
        role: 'operator',
        password: 'operator-secret-3',
      });
      addUser(site.db, {
        name: 'rita',
        printedName: 'Rita Reviewer',
        role: 'reviewer',
        password: 'reviewer-secret-2',
      });
    });
  } finally {
    site.close();
  }
  // Paths relative to the file's folder; the queue from the environment would override it, the port from a flag.
  const config = join(scratch.dir, 'site.json');
  writeFileSync(
    config,
    JSON.stringify({
      store: url,
      queue: redis.url,
      home: 'site-home',
      artifacts: 'shared-artifacts',
      host: '127.0.0.1',
      port: 1,
      tlsCert: join(TLS, 'localhost-cert.pem'),
      tlsKey: join(TLS, 'localhost-key.pem'),
      sessionHours: 2,
    }),
  );

  await t.test(
    'a configuration that would serve passwords in the clear, or is not one, is refused',
    async () => {
      const plain = join(scratch.dir, 'plain.json');
      writeFileSync(plain, JSON.stringify({ store: url, queue: redis.url, host: '0.0.0.0' }));
      const refused = await runCli(['site', 'serve', '--config', plain, '--json']);
      assert.equal(refused.code, 2);
      assert.match(
        String((refused.json['error'] as { message: string }).message),
        /refusing to serve 0\.0\.0\.0 without TLS/,
      );
      const odd = join(scratch.dir, 'odd.json');
      writeFileSync(odd, JSON.stringify({ store: url, queue: redis.url, listen: 'everywhere' }));
      const unknown = await runCli(['site', 'serve', '--config', odd, '--json']);
      assert.equal(unknown.code, 2);
      assert.match(
        String((unknown.json['error'] as { message: string }).message),
        /odd\.json: not a site configuration: .*listen/,
      );
    },
  );

  const running = await startSite(['--config', config, '--port', '0']);
  cleanups.push(() => running.stop());
  const { port } = running;

  await t.test('no session is 401; a wrong password is 401 and in the trail with the desk', async () => {
    const anonymous = await post(port, 'datasets.list', {});
    assert.equal(anonymous.status, 401);
    const wrong = await post(port, 'session.signIn', { name: 'olga', password: 'not-her-password' });
    assert.equal(wrong.status, 401);
    assert.equal((wrong.body['error'] as { code: string }).code, 'UNAUTHENTICATED');
    const started = Date.now();
    const right = await post(port, 'session.signIn', { name: 'olga', password: 'operator-secret-3' });
    assert.equal(right.status, 200);
    // The configured session length: 2 hours from the sign-in.
    const expiresAt = Date.parse((right.body['value'] as { expiresAt: string }).expiresAt);
    assert.ok(
      Math.abs(expiresAt - started - 2 * 3600_000) < 60_000,
      `expires ${expiresAt - started} ms after`,
    );
  });

  await t.test(
    'each role calls exactly the actions its row allows; a refusal is 403 and audited',
    async () => {
      // Every action the table names has that rule in the site's table.
      for (const row of ROLE_TABLE) {
        const rule = ACTION_ROLES[row.action as keyof typeof ACTION_ROLES];
        assert.notEqual(rule, 'public', row.action);
        for (const role of Object.keys(row.may) as Role[])
          assert.equal(rule !== 'public' && rule.includes(role), row.may[role], `${role} ${row.action}`);
      }
      for (const role of ['operator', 'reviewer', 'administrator'] as const) {
        const [name, password] = PASSWORDS[role];
        const signedIn = await post(port, 'session.signIn', { name, password });
        const session = (signedIn.body['value'] as { token: string }).token;
        for (const row of ROLE_TABLE) {
          const answer = await post(port, row.action, row.payload, session);
          if (row.may[role])
            assert.notEqual(answer.status, 403, `${role} ${row.action}: ${JSON.stringify(answer.body)}`);
          else assert.equal(answer.status, 403, `${role} ${row.action}: ${JSON.stringify(answer.body)}`);
        }
      }
    },
  );

  await t.test('the trail names the desk and the user of each refusal and failed sign-in', () => {
    const store = Workspace.openOnPostgres(url, home);
    try {
      const events = listAuditEvents(store.db);
      const refusals = events.filter((e) => e.action === 'access.refuse');
      const expected = ROLE_TABLE.flatMap((row) =>
        (Object.keys(row.may) as Role[])
          .filter((role) => !row.may[role])
          .map((role) => `user:${PASSWORDS[role][0]} ${row.action}`),
      ).sort();
      assert.deepEqual(refusals.map((e) => `${e.actor} ${e.entityId}`).sort(), expected);
      for (const e of refusals) assert.equal(e.payload['desk'], '127.0.0.1');
      const failed = events.find((e) => e.action === 'user.sign-in.failed');
      assert.equal(failed?.payload['desk'], '127.0.0.1');
      const project = events.find((e) => e.action === 'project.create');
      assert.equal(project?.actor, 'user:olga');
      assert.equal(project?.payload['desk'], '127.0.0.1');
    } finally {
      store.close();
    }
  });
});
