import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import type { JobView } from '../../src-main/contract/index.js';
import { call, collectEvents, fakeRenderer, pollUntil, waitForJobEnd } from './serve-helpers.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { actorOf, addUser } from '../../src-main/core/audit/users.js';
import { runAsActor } from '../../src-main/core/audit/log.js';

function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('attest serve refuses requests without the session token, a foreign Host or a path outside the UI', async () => {
  const home = tempHome('attest-serve');
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir) });
  try {
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    const base = `http://127.0.0.1:${running.port}`;
    assert.equal((await fetch(`${base}/`)).status, 403);
    assert.equal((await fetch(`${base}/?token=wrong`)).status, 403);
    assert.equal((await fetch(`${base}/api/call/engine.info`, { method: 'POST' })).status, 403);
    // DNS rebinding: the right token but another site's name in Host.
    const rebound = await rawGet(running.port, `/?token=${running.token}`, { Host: 'evil.example:80' });
    assert.equal(rebound.status, 403);
    const page = await fetch(running.url);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.match(
      page.headers.get('set-cookie') ?? '',
      /attest_token=[0-9a-f]{48}; HttpOnly; SameSite=Strict/,
    );
    const cookie = `attest_token=${running.token}`;
    const asset = await fetch(`${base}/assets/app.js`, { headers: { Cookie: cookie } });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    for (const path of [
      '/../serve.test.js',
      '/%2e%2e/attest.sqlite',
      '/assets/%2e%2e/%2e%2e/attest.sqlite',
    ]) {
      const res = await rawGet(running.port, path, { Cookie: cookie, Host: `127.0.0.1:${running.port}` });
      assert.equal(res.status, 404, path);
    }
    // A cross-site page cannot post actions even with the cookie.
    const crossSite = await fetch(`${base}/api/call/engine.info`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(crossSite.status, 403);
  } finally {
    await running.close();
    home.cleanup();
  }
});

test('actions are validated against the contract and answer {ok, value} or {ok: false, error}', async () => {
  const home = tempHome('attest-serve');
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir) });
  try {
    const info = await call(running, 'engine.info', {});
    assert.equal(info['ok'], true);
    const value = info['value'] as {
      sampleRecords: string[];
      architectures: { name: string; inputKinds: string[] }[];
      home: string;
    };
    assert.deepEqual(value.sampleRecords, ['100', '106', '119', '208', '209']);
    assert.deepEqual(value.architectures.find((a) => a.name === 'ecg-resnet')?.inputKinds, ['ecg-beat']);
    assert.equal(value.home, home.dir);
    assert.deepEqual(await call(running, 'engine.secrets', {}), {
      ok: false,
      error: { code: 'BAD_INPUT', message: 'unknown action "engine.secrets"' },
    });
    const bad = await call(running, 'jobs.start', {
      kind: 'train',
      datasetId: 'ds-1',
      arch: 'ecg-resnet',
      epochs: -3,
      seed: 1,
    });
    assert.equal(bad['ok'], false);
    assert.match((bad['error'] as { message: string }).message, /epochs/);
    const extra = await call(running, 'datasets.list', { sql: 'DROP TABLE datasets' });
    assert.equal(extra['ok'], false);
    const hostile = await call(running, 'jobs.start', {
      kind: 'import-wfdb',
      name: 'x',
      source: { kind: 'sample', records: ['../../etc/passwd'] },
      split: 'records:1:0.3',
    });
    assert.equal(hostile['ok'], false);
    const missing = await call(running, 'jobs.cancel', { jobId: 'q-nothing' });
    assert.deepEqual(missing['error'], { code: 'NOT_FOUND', message: 'no job with id q-nothing' });
  } finally {
    await running.close();
    home.cleanup();
  }
});

test('a job runs in the engine host with progress events; a bad folder fails with the reason; a running job can be cancelled', async () => {
  const home = tempHome('attest-serve');
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir) });
  try {
    let importId = '';
    const finished = (events: { type: string; job?: JobView }[], id: string) =>
      events.some(
        (e) =>
          e.type === 'job' && e.job?.id === id && ['succeeded', 'failed', 'cancelled'].includes(e.job.state),
      );
    const events = await collectEvents(
      running,
      (seen) => importId !== '' && finished(seen, importId) && seen.some((e) => e.type === 'store.changed'),
      async () => {
        const started = await call(running, 'jobs.start', {
          kind: 'import-wfdb',
          name: 'three records',
          source: { kind: 'sample', records: ['100', '106', '119'] },
          split: 'test:119',
          durationSeconds: 120,
        });
        assert.equal(started['ok'], true, JSON.stringify(started));
        importId = (started['value'] as { job: JobView }).job.id;
      },
    );
    const states = events
      .filter((e) => e.type === 'job' && e.job.id === importId)
      .map((e) => (e as { job: JobView }).job.state);
    assert.equal(states[0], 'queued');
    assert.ok(states.includes('running'));
    assert.equal(states.at(-1), 'succeeded');
    assert.ok(events.some((e) => e.type === 'store.changed' && e.what === 'datasets'));
    const list = (await call(running, 'datasets.list', {}))['value'] as {
      datasets: { id: string; name: string; groups: { split: string }[] }[];
    };
    assert.equal(list.datasets.length, 1);
    assert.equal(list.datasets[0]?.name, 'three records');
    const datasetId = list.datasets[0]?.id ?? '';

    // A folder that is not WFDB: the job fails with the reason, and nothing is stored.
    const bad = await call(running, 'jobs.start', {
      kind: 'import-wfdb',
      name: 'nothing',
      source: { kind: 'paths', paths: [home.dir] },
      split: 'records:1:0.3',
    });
    const badId = (bad['value'] as { job: JobView }).job.id;
    const badJob = await waitForJobEnd(running, badId, 'the import of a folder without records to end');
    assert.equal(badJob.state, 'failed');
    assert.equal(badJob.error?.code, 'BAD_INPUT');
    assert.match(badJob.error?.message ?? '', /no WFDB header/);

    // The EDF and time-series importers are reached the same way, and name the file they refuse.
    const notEdf = join(home.dir, 'notes.edf');
    writeFileSync(notEdf, 'this is not an EDF file at all');
    const notCsv = join(home.dir, 'beats.csv');
    writeFileSync(notCsv, 'a,b,c\nx,y,z\n');
    for (const spec of [
      { kind: 'import-edf', name: 'edf', paths: [notEdf], split: 'all-test' },
      {
        kind: 'import-timeseries',
        name: 'csv',
        paths: [notCsv],
        layout: 'beats',
        fs: 125,
        split: 'beats:1:0.3',
      },
    ]) {
      const started = await call(running, 'jobs.start', spec);
      assert.equal(started['ok'], true, JSON.stringify(started));
      const id = (started['value'] as { job: JobView }).job.id;
      const job = await waitForJobEnd(running, id, `the refused ${spec.kind} job to end`);
      assert.equal(job.state, 'failed', spec.kind);
      assert.equal(job.error?.code, 'BAD_INPUT', `${spec.kind}: ${job.error?.message}`);
      assert.ok((job.error?.message ?? '').includes(spec.paths[0] as string), job.error?.message);
    }
    assert.equal(
      ((await call(running, 'datasets.list', {}))['value'] as { datasets: unknown[] }).datasets.length,
      1,
    );

    // Training for many epochs, cancelled once it reports progress.
    let trainId = '';
    let cancelled = false;
    const trainEvents = await collectEvents(
      running,
      (seen) => {
        if (!cancelled && seen.some((e) => e.type === 'job' && e.job.id === trainId && e.job.fraction > 0)) {
          cancelled = true;
          void call(running, 'jobs.cancel', { jobId: trainId });
        }
        return trainId !== '' && finished(seen, trainId);
      },
      async () => {
        const started = await call(running, 'jobs.start', {
          kind: 'train',
          datasetId,
          arch: 'ecg-resnet',
          epochs: 500,
          seed: 1,
        });
        trainId = (started['value'] as { job: JobView }).job.id;
      },
    );
    const last = trainEvents.filter((e) => e.type === 'job' && e.job.id === trainId).at(-1) as {
      job: JobView;
    };
    assert.equal(last.job.state, 'cancelled');
    assert.equal(
      ((await call(running, 'models.list', {}))['value'] as { models: unknown[] }).models.length,
      0,
    );
  } finally {
    await running.close();
    home.cleanup();
  }
});

test('when the engine host dies, pending requests get an error, running jobs fail, and the next request is served by a new host', async () => {
  const home = tempHome('attest-serve');
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir) });
  try {
    const firstPid = running.engine.pid;
    assert.ok(firstPid !== undefined);
    const imported = await call(running, 'jobs.start', {
      kind: 'import-synthetic',
      name: 'syn',
      records: 3,
      seconds: 30,
      seed: 1,
      split: 'records:1:0.34',
    });
    const importId = (imported['value'] as { job: JobView }).job.id;
    const importJob = await waitForJobEnd(running, importId, 'the synthetic import to end');
    assert.equal(importJob.state, 'succeeded', importJob.error?.message);
    const datasetId = (importJob.result as { datasetId: string }).datasetId;
    let trainId = '';
    let killed = false;
    const events = await collectEvents(
      running,
      (seen) => {
        // Killed in the middle of a training: the job must not stay "running" anywhere.
        if (!killed && seen.some((e) => e.type === 'job' && e.job.id === trainId && e.job.fraction > 0)) {
          killed = true;
          process.kill(firstPid, 'SIGKILL');
        }
        return seen.some((e) => e.type === 'engine.crashed');
      },
      async () => {
        const started = await call(running, 'jobs.start', {
          kind: 'train',
          datasetId,
          arch: 'ecg-resnet',
          epochs: 500,
          seed: 1,
        });
        trainId = (started['value'] as { job: JobView }).job.id;
      },
    );
    const lastTrain = events.filter((e) => e.type === 'job' && e.job.id === trainId).at(-1) as {
      job: JobView;
    };
    assert.equal(lastTrain.job.state, 'failed');
    const history = (await call(running, 'jobs.history', {}))['value'] as {
      jobs: { kind: string; status: string; title: string }[];
    };
    assert.equal(history.jobs.find((j) => j.kind === 'train')?.status, 'interrupted');
    // The history names the dataset as people know it, not by its id.
    const title = history.jobs.find((j) => j.kind === 'train')?.title ?? '';
    assert.ok(title.includes('“syn”') && !title.includes(datasetId), title);
    assert.match(
      (events.find((e) => e.type === 'engine.crashed') as { message: string }).message,
      /stopped unexpectedly/,
    );
    const info = await call(running, 'engine.info', {});
    assert.equal(info['ok'], true);
    assert.notEqual(running.engine.pid, firstPid);
    assert.equal(running.engine.crashes, 1);
  } finally {
    await running.close();
    home.cleanup();
  }
});

test('once accounts exist, changes need a sign-in session, and an ended session is refused', async () => {
  const home = tempHome('attest-serve');
  const workspace = Workspace.open(home.dir);
  const admin = addUser(workspace.db, {
    name: 'admin',
    printedName: 'Ada Admin',
    role: 'administrator',
    password: 'Chief-Keeper-Secret-88',
  });
  runAsActor(actorOf(admin), () =>
    addUser(workspace.db, {
      name: 'ops',
      printedName: 'Oscar Ops',
      role: 'operator',
      password: 'Night-Shift-Password-77',
    }),
  );
  workspace.close();
  const running = await startServer({ home: home.dir, rendererDir: fakeRenderer(home.dir) });
  const callAs = async (action: string, payload: unknown, session?: string) => {
    const response = await fetch(`http://127.0.0.1:${running.port}/api/call/${action}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${running.token}`,
        ...(session !== undefined ? { 'X-Attest-Session': session } : {}),
      },
      body: JSON.stringify(payload),
    });
    return (await response.json()) as {
      ok: boolean;
      value?: Record<string, unknown>;
      error?: { message: string };
    };
  };
  const spec = {
    kind: 'import-synthetic',
    name: 'syn',
    records: 3,
    seconds: 30,
    seed: 1,
    split: 'records:1:0.34',
  };
  try {
    assert.deepEqual((await callAs('session.status', {})).value, { usersExist: true, user: null });
    const anonymous = await callAs('jobs.start', spec);
    assert.equal(anonymous.ok, false);
    assert.match(anonymous.error?.message ?? '', /sign in/);
    assert.match(
      (await callAs('session.signIn', { name: 'ops', password: 'wrong' })).error?.message ?? '',
      /password|name/i,
    );
    const signedIn = await callAs('session.signIn', { name: 'ops', password: 'Night-Shift-Password-77' });
    const token = String(signedIn.value?.['token']);
    assert.deepEqual((await callAs('session.status', {}, token)).value?.['user'], {
      name: 'ops',
      printedName: 'Oscar Ops',
      role: 'operator',
    });
    const started = await callAs('jobs.start', spec, token);
    assert.equal(started.ok, true, JSON.stringify(started));
    const state = await pollUntil(
      async () => ((await callAs('jobs.list', {}, token)).value?.['jobs'] as JobView[])[0]?.state ?? '',
      (s) => s === 'succeeded' || s === 'failed',
      "the operator's job to end",
    );
    assert.equal(state, 'succeeded');
    const events = (await callAs('audit.log', {}, token)).value?.['events'] as {
      action: string;
      actor: string;
    }[];
    assert.ok(
      events.some((e) => e.actor === 'user:ops' && e.action.startsWith('dataset')),
      JSON.stringify(events),
    );
    const refused = await callAs(
      'records.sign',
      { entityType: 'model', entityId: 'm-1', meaning: 'approved', password: 'Night-Shift-Password-77' },
      token,
    );
    assert.equal(refused.ok, false);
    await callAs('session.signOut', {}, token);
    const after = await callAs('jobs.start', spec, token);
    assert.equal(after.ok, false);
    assert.match(after.error?.message ?? '', /session/);
  } finally {
    await running.close();
    home.cleanup();
  }
});
