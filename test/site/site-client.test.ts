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
import { addUser } from '../../src-main/core/audit/users.js';
import { listAuditEvents, runAsActor } from '../../src-main/core/audit/log.js';
import { parseSiteUrl } from '../../src-main/core/util/site-url.js';
import type { JobView } from '../../src-main/contract/index.js';
import { startWorker } from './queue-helpers.js';

/*
 * `attest --site URL --user NAME ...` against a real `attest site serve` (HTTPS with the test certificate in
 * test/fixtures/tls, PostgreSQL, Redis, one worker): lists, a validation queued and run by the worker, a
 * reviewer's signature; a wrong password, a role that may not, and a command that cannot run remotely are
 * refused with a sentence and exit 2.
 */

const TLS = join(REPO_ROOT, 'test', 'fixtures', 'tls');
const CA_FILE = join(TLS, 'localhost-cert.pem');

test('a site address must be https, or plain http only to this machine', () => {
  assert.equal(parseSiteUrl('https://qa.example.org:8443/ui/').href, 'https://qa.example.org:8443/');
  assert.equal(parseSiteUrl('http://127.0.0.1:4000').href, 'http://127.0.0.1:4000/');
  assert.equal(parseSiteUrl('http://localhost:4000').origin, 'http://localhost:4000');
  assert.throws(() => parseSiteUrl('http://qa.example.org:8443'), /plain http to another machine/);
  assert.throws(() => parseSiteUrl('ftp://qa.example.org'), /not an http\(s\) address/);
  assert.throws(() => parseSiteUrl('qa.example.org'), /not a URL/);
  assert.throws(() => parseSiteUrl('https://rita:pw@qa.example.org'), /must not carry a user name/);
});

function post(
  port: number,
  action: string,
  payload: unknown,
  session?: string,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        method: 'POST',
        path: `/api/call/${action}`,
        ca: readFileSync(CA_FILE),
        headers: {
          'Content-Type': 'application/json',
          ...(session !== undefined ? { 'X-Attest-Session': session } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

function startSite(config: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [ATTEST_BIN, 'site', 'serve', '--config', config, '--port', '0', '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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

/** Starts a job as the operator and waits (without a time limit: the worker decides) for its result. */
async function runJob(port: number, session: string, spec: unknown): Promise<Record<string, unknown>> {
  const started = await post(port, 'jobs.start', spec, session);
  assert.equal(started['ok'], true, JSON.stringify(started));
  const id = (started['value'] as { job: JobView }).job.id;
  for (;;) {
    const list = await post(port, 'jobs.list', {}, session);
    const job = (list['value'] as { jobs: JobView[] }).jobs.find((j) => j.id === id);
    if (job !== undefined && job.state !== 'queued' && job.state !== 'running') {
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      return job.result as Record<string, unknown>;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

test('the CLI against a site: lists, a validation through the queue, a signature, and clear refusals', async (t) => {
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const server = await startPostgres(t);
  if (server === undefined) return;
  cleanups.push(() => server.stop());
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const scratch = tempHome('attest-site-client');
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
  const config = join(scratch.dir, 'site.json');
  writeFileSync(
    config,
    JSON.stringify({
      store: url,
      queue: redis.url,
      home: 'site-home',
      artifacts: 'site-home/artifacts',
      host: '127.0.0.1',
      port: 1,
      tlsCert: CA_FILE,
      tlsKey: join(TLS, 'localhost-key.pem'),
    }),
  );
  const running = await startSite(config);
  cleanups.push(() => running.stop());
  const worker = await startWorker(home, redis.url, ['--config', config]);
  cleanups.push(() => worker.stop());
  // The certificate names "localhost": the CLI reaches the site by that name, pinned to the test certificate.
  const siteUrl = `https://localhost:${running.port}`;
  const asUser = (user: string, password: string, args: string[]) =>
    runCli(['--site', siteUrl, '--site-ca', CA_FILE, '--user', user, ...args, '--json'], {
      env: { ATTEST_SITE_PASSWORD: password },
    });

  // A dataset and a model on the site, made through its actions as the operator.
  const signedIn = await post(running.port, 'session.signIn', {
    name: 'olga',
    password: 'operator-secret-3',
  });
  const operator = (signedIn['value'] as { token: string }).token;
  const imported = await runJob(running.port, operator, {
    kind: 'import-synthetic',
    name: 'site-ecg',
    records: 4,
    seconds: 60,
    seed: 1,
    split: 'records:1:0.25',
  });
  const datasetId = String(imported['datasetId']);
  const trained = await runJob(running.port, operator, {
    kind: 'train',
    datasetId,
    arch: 'ecg-resnet',
    epochs: 1,
    seed: 1,
    lrRangeTest: false,
  });
  const modelId = String(trained['modelId']);

  const datasets = await asUser('olga', 'operator-secret-3', ['datasets', 'list']);
  assert.equal(datasets.code, 0, datasets.stderr);
  assert.deepEqual(
    (datasets.json['datasets'] as { id: string }[]).map((d) => d.id),
    [datasetId],
  );
  const models = await asUser('rita', 'reviewer-secret-2', ['models', 'list']);
  assert.equal(models.code, 0, models.stderr);
  assert.deepEqual(
    (models.json['models'] as { id: string }[]).map((m) => m.id),
    [modelId],
  );

  // A validation: one job on the site's queue, run by the worker, followed by the CLI until it succeeds.
  const validated = await asUser('olga', 'operator-secret-3', [
    'validate',
    '--model',
    modelId,
    '--dataset',
    datasetId,
    '--suite',
    'clean',
  ]);
  assert.equal(validated.code, 0, validated.stderr);
  const job = validated.json['job'] as JobView;
  assert.equal(job.state, 'succeeded');
  const validationId = String((job.result as Record<string, unknown>)['validationId']);
  const validations = await asUser('rita', 'reviewer-secret-2', ['validations', 'list']);
  assert.equal(validations.code, 0, validations.stderr);
  assert.deepEqual(
    (validations.json['validations'] as { id: string }[]).map((v) => v.id),
    [validationId],
  );

  // An operator may not sign: the site's 403 is a sentence and exit 2.
  const operatorSigns = await asUser('olga', 'operator-secret-3', [
    'sign',
    '--validation',
    validationId,
    '--meaning',
    'approved',
  ]);
  assert.equal(operatorSigns.code, 2, operatorSigns.stdout);
  assert.match(operatorSigns.stderr, /refused records\.sign for this user's role/);
  // A wrong password: 401, exit 2, nothing signed.
  const wrong = await asUser('rita', 'not-her-password', [
    'sign',
    '--validation',
    validationId,
    '--meaning',
    'approved',
  ]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /refused the sign-in/);
  const signed = await asUser('rita', 'reviewer-secret-2', [
    'sign',
    '--validation',
    validationId,
    '--meaning',
    'approved',
    '--reason',
    'clean accuracy reviewed',
  ]);
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal((signed.json['signature'] as { printedName: string }).printedName, 'Rita Reviewer');

  // Commands that would act on this machine are refused by name; plain http to another host is refused.
  const train = await asUser('olga', 'operator-secret-3', ['train', '--dataset', datasetId]);
  assert.equal(train.code, 2);
  assert.match(train.stderr, /"attest train" does not run against a site/);
  const plain = await runCli([
    '--site',
    'http://qa.example.org:8443',
    '--user',
    'rita',
    'models',
    'list',
    '--json',
  ]);
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /plain http to another machine/);
  // Without the pinned certificate the self-signed site is not trusted.
  const unpinned = await runCli(['--site', siteUrl, '--user', 'rita', 'models', 'list', '--json'], {
    env: { ATTEST_SITE_PASSWORD: 'reviewer-secret-2' },
  });
  assert.equal(unpinned.code, 2);
  assert.match(unpinned.stderr, /--site-ca FILE/);

  const verify = await asUser('rita', 'reviewer-secret-2', ['audit', 'verify']);
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(verify.json['ok'], true, verify.stdout);

  // The site's trail has the signature by the reviewer and the refused attempts.
  const store = Workspace.openOnPostgres(url, home);
  try {
    const events = listAuditEvents(store.db);
    assert.equal(events.filter((e) => e.action === 'record.sign' && e.actor === 'user:rita').length, 1);
    assert.ok(events.some((e) => e.action === 'access.refuse' && e.actor === 'user:olga'));
    assert.ok(events.some((e) => e.action === 'user.sign-in.failed'));
  } finally {
    store.close();
  }
});
