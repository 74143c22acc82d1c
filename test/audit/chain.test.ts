import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { appendAuditEvent, listAuditEvents } from '../../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { GENESIS_HASH } from '../../src-main/core/audit/event-hash.js';
import { tempHome } from '../helpers/temp-home.js';

function seed(ws: Workspace): string {
  const { sha256 } = ws.artifacts.put(new TextEncoder().encode('model bytes'));
  ws.db.transaction(() => {
    appendAuditEvent(ws.db, {
      action: 'dataset.import',
      entityId: 'ds-1',
      payload: { params: { name: 'x' } },
    });
    appendAuditEvent(ws.db, {
      action: 'model.train',
      entityId: 'm-1',
      payload: { outputs: [{ role: 'model', sha256 }] },
    });
    appendAuditEvent(ws.db, {
      action: 'model.validate',
      entityId: 'm-1',
      payload: { inputs: [{ role: 'model', sha256 }] },
    });
  })();
  return sha256;
}

test('events form a hash chain from the genesis hash and verify clean', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    seed(ws);
    const events = listAuditEvents(ws.db);
    assert.equal(events.length, 3);
    assert.equal(events[0]?.prevHash, GENESIS_HASH);
    assert.equal(events[1]?.prevHash, events[0]?.hash);
    const result = verifyAuditTrail(ws);
    assert.equal(result.ok, true);
    assert.equal(result.events, 3);
    assert.equal(result.artifactsChecked, 1);
    assert.equal(result.head?.hash, events[2]?.hash);
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('an event appended outside a transaction is refused', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    assert.throws(() => appendAuditEvent(ws.db, { action: 'x', payload: {} }), /inside the transaction/);
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('editing an event behind the back of the application is found and named', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    seed(ws);
    ws.close();
    const raw = new Database(`${home.dir}/attest.sqlite`);
    raw.exec('DROP TRIGGER audit_events_no_update');
    raw.prepare(`UPDATE audit_events SET payload_json = '{"params":{"name":"y"}}' WHERE seq = 1`).run();
    raw.close();
    const again = Workspace.open(home.dir);
    const result = verifyAuditTrail(again);
    again.close();
    assert.equal(result.ok, false);
    // The dropped trigger is named first: it is how the edit got in.
    assert.equal(result.problems[0]?.kind, 'schema-altered');
    assert.match(
      result.problems[0]?.message ?? '',
      /trigger audit_events_no_update on audit_events was dropped/,
    );
    assert.equal(result.problems[1]?.kind, 'hash-mismatch');
    assert.equal(result.problems[1]?.seq, 1);
  } finally {
    home.cleanup();
  }
});

test('a deleted event breaks the chain; an altered artifact is named by path', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    const sha = seed(ws);
    writeFileSync(ws.artifacts.pathOf(sha), 'tampered');
    ws.close();
    const raw = new Database(`${home.dir}/attest.sqlite`);
    raw.exec('DROP TRIGGER audit_events_no_delete');
    raw.prepare('DELETE FROM audit_events WHERE seq = 2').run();
    raw.close();
    const again = Workspace.open(home.dir);
    const result = verifyAuditTrail(again);
    again.close();
    assert.equal(result.ok, false);
    const kinds = result.problems.map((p) => p.kind);
    assert.deepEqual(kinds.slice(0, 3), ['schema-altered', 'sequence-gap', 'broken-link']);
    const altered = result.problems.find((p) => p.kind === 'artifact-altered');
    assert.ok(altered?.file?.endsWith(sha));
  } finally {
    home.cleanup();
  }
});
