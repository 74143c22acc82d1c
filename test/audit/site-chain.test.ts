import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { verifyAuditTrail, type AuditVerification } from '../../src-main/core/audit/verify.js';
import { createCheckpoint } from '../../src-main/core/audit/checkpoint.js';
import { createProject, renameProject } from '../../src-main/core/projects/projects.js';
import { addUser, authenticate } from '../../src-main/core/audit/users.js';
import { runAsActor } from '../../src-main/core/audit/log.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * The audit trail of a site store on PostgreSQL: several processes append at once and it stays one linear hash
 * chain with every event in it; and the verifier gives the same answers on a site store as on a home's SQLite
 * file, intact and after the same tampering.
 */

const WORKSPACE = new URL('../../src-main/core/store/workspace.js', import.meta.url).href;
const LOG = new URL('../../src-main/core/audit/log.js', import.meta.url).href;
const EVENTS_EACH = 25;

/**
 * A process that waits for the go file, then opens the site store (migrating a fresh database, as the others
 * do at the same moment) and appends its events, each in a read-then-write transaction of its own.
 */
function appender(
  url: string,
  home: string,
  go: string,
  label: string,
): Promise<{ code: number | null; stderr: string }> {
  const script = `
    const { existsSync, writeFileSync } = await import('node:fs');
    const { Workspace } = await import(${JSON.stringify(WORKSPACE)});
    const { appendAuditEvent } = await import(${JSON.stringify(LOG)});
    writeFileSync(${JSON.stringify(`${go}.${label}.ready`)}, '');
    while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 2));
    const ws = Workspace.openOnPostgres(${JSON.stringify(url)}, ${JSON.stringify(home)});
    for (let i = 0; i < ${EVENTS_EACH}; i++)
      ws.db.transaction(() => {
        ws.db.prepare('SELECT COUNT(*) AS n FROM audit_events').get();
        appendAuditEvent(ws.db, { action: 'test.append', entityId: ${JSON.stringify(label)} + '-' + i, payload: { i } });
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

/** A short history with a signed checkpoint in the middle and accounts at the end, the same on any store. */
function history(ws: Workspace): void {
  const project = createProject(ws.db, 'Holter study');
  renameProject(ws.db, project.id, 'Holter study 2026');
  createCheckpoint(ws);
  createProject(ws.db, 'Mammography');
  addUser(ws.db, {
    name: 'alice',
    printedName: 'Alice Admin',
    role: 'administrator',
    password: 'admin-secret-1',
  });
  runAsActor('user:alice', () =>
    addUser(ws.db, {
      name: 'rita',
      printedName: 'Dr. Rita Reviewer',
      role: 'reviewer',
      password: 'reviewer-secret-2',
    }),
  );
  assert.throws(() => authenticate(ws.db, 'RITA', 'wrong-password'), /password/);
}

/** What the verifier says, without what differs by construction (ids, times, hashes, paths). */
function answers(result: AuditVerification): unknown {
  const plain = (text: string): string => text.replace(/[0-9a-f]{16,}/g, '<hex>');
  return {
    ok: result.ok,
    events: result.events,
    headSeq: result.head?.seq,
    treeSize: result.tree.size,
    checkpoints: result.checkpoints.count,
    eventsAfterLatest: result.checkpoints.eventsAfterLatest,
    keys: result.keys.length,
    signatures: result.signatures,
    problems: result.problems.map((p) => `${p.kind} ${p.seq ?? ''} ${plain(p.message)}`),
    warnings: result.warnings.map(plain),
  };
}

test('the audit trail on a PostgreSQL site store', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  t.after(() => server.stop());
  const scratch = tempHome('attest-site-chain');
  t.after(scratch.cleanup);

  await t.test('processes appending at once keep one linear chain and lose no event', async () => {
    const url = await server.createDatabase('appenders');
    const home = join(scratch.dir, 'appenders');
    const go = join(scratch.dir, 'go');
    const labels = ['desk-a', 'desk-b', 'desk-c', 'worker-1'];
    const running = labels.map((label) => appender(url, home, go, label));
    while (!labels.every((label) => existsSync(`${go}.${label}.ready`)))
      await new Promise((r) => setTimeout(r, 20));
    writeFileSync(go, '');
    for (const run of await Promise.all(running)) assert.equal(run.code, 0, run.stderr);

    const ws = Workspace.openOnPostgres(url, home);
    try {
      const rows = ws.db.prepare('SELECT seq, entity_id FROM audit_events ORDER BY seq').all() as {
        seq: number;
        entity_id: string;
      }[];
      const expected = labels.flatMap((label) =>
        Array.from({ length: EVENTS_EACH }, (_, i) => `${label}-${i}`),
      );
      assert.deepEqual(rows.map((r) => r.entity_id).sort(), [...expected].sort());
      assert.deepEqual(
        rows.map((r) => r.seq),
        expected.map((_, i) => i + 1),
      );
      // The writers interleaved (else the lock was never contended and the test proved nothing).
      const runs = rows.filter(
        (r, i) => i > 0 && r.entity_id.split('-')[0] !== rows[i - 1]?.entity_id.split('-')[0],
      );
      assert.ok(runs.length > 0, 'events of different processes interleave');
      const result = verifyAuditTrail(ws);
      assert.deepEqual(result.problems, []);
      assert.equal(result.events, expected.length);
    } finally {
      ws.close();
    }
  });

  await t.test(
    'the verifier answers the same on a site store as on a home, intact and tampered',
    async () => {
      const homeDir = join(scratch.dir, 'home');
      const siteDir = join(scratch.dir, 'site');
      mkdirSync(homeDir);
      mkdirSync(siteDir);
      const local = Workspace.open(homeDir);
      const site = Workspace.openOnPostgres(await server.createDatabase('parity'), siteDir);
      try {
        history(local);
        history(site);
        const intact = answers(verifyAuditTrail(local));
        assert.equal((intact as { ok: boolean }).ok, true);
        assert.deepEqual(answers(verifyAuditTrail(site)), intact);

        // The same tampering on both: the append-only trigger dropped, an event's actor rewritten.
        local.db.exec('DROP TRIGGER audit_events_no_update');
        site.db.exec('DROP TRIGGER audit_events_no_update ON audit_events');
        for (const ws of [local, site]) {
          ws.db.prepare("UPDATE audit_events SET actor = 'os:mallory' WHERE seq = 2").run();
          ws.db.prepare("UPDATE users SET role = 'administrator' WHERE name = 'rita'").run();
        }
        const tampered = answers(verifyAuditTrail(local)) as { ok: boolean; problems: string[] };
        assert.equal(tampered.ok, false);
        assert.ok(tampered.problems.some((p) => p.startsWith('schema-altered')));
        assert.ok(tampered.problems.some((p) => p.startsWith('hash-mismatch 2')));
        assert.ok(tampered.problems.some((p) => p.startsWith('account-altered')));
        assert.deepEqual(answers(verifyAuditTrail(site)), tampered);
      } finally {
        local.close();
        site.close();
      }
    },
  );

  await t.test('a trigger switched off, or the function the triggers call rewritten, is named', async () => {
    const site = Workspace.openOnPostgres(
      await server.createDatabase('disabled'),
      join(scratch.dir, 'disabled'),
    );
    try {
      assert.deepEqual(verifyAuditTrail(site).problems, []);
      site.db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_delete');
      site.db.exec(
        'CREATE OR REPLACE FUNCTION attest_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
      );
      const messages = verifyAuditTrail(site).problems.map((p) => p.message);
      assert.ok(
        messages.includes(
          "trigger audit_events_no_delete on audit_events is disabled: the table's append-only protection is gone",
        ),
        messages.join('\n'),
      );
      assert.ok(
        messages.includes(
          'function attest_refuse was rewritten: the append-only triggers call it, so their protection is gone',
        ),
        messages.join('\n'),
      );
    } finally {
      site.close();
    }
  });
});
