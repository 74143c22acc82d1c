import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { appendAuditEvent } from '../../src-main/core/audit/log.js';
import { createCheckpoint, type SignedCheckpoint } from '../../src-main/core/audit/checkpoint.js';
import { witnessPath } from '../../src-main/core/audit/witness.js';
import { tempHome } from '../helpers/temp-home.js';
import { attest } from './cli-run.js';
import { seedRecords } from './fixtures.js';

/**
 * Deletions behind the application's back, by someone with write access to the home: the append-only
 * triggers dropped, the newest events deleted together with the checkpoints that cover them, every checkpoint
 * deleted. Each must fail `attest audit verify` (exit 3) with the problem named.
 */
function seed(ws: Workspace, n: number, from = 0): void {
  ws.db.transaction(() => {
    for (let i = from; i < from + n; i++)
      appendAuditEvent(ws.db, { action: 'test.step', entityId: `e-${i}`, payload: { params: { i } } });
  })();
}

/** Two checkpoints over 4 and then 8 events (the key announcement is event 1). */
function homeWithTwoCheckpoints(dir: string): { first: SignedCheckpoint; second: SignedCheckpoint } {
  const ws = Workspace.open(dir);
  try {
    seed(ws, 3);
    const first = createCheckpoint(ws);
    seed(ws, 4, 3);
    const second = createCheckpoint(ws);
    return { first, second };
  } finally {
    ws.close();
  }
}

/** Raw SQL with the append-only triggers dropped, then put back exactly as they were: a careful attacker. */
function tamperCarefully(dir: string, sql: string): void {
  const raw = new Database(join(dir, 'attest.sqlite'));
  const triggers = raw
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_events', 'audit_checkpoints')`,
    )
    .all() as { name: string; sql: string }[];
  for (const t of triggers) raw.exec(`DROP TRIGGER ${t.name}`);
  raw.exec(sql);
  for (const t of triggers) raw.exec(t.sql);
  raw.close();
}

type Problem = { kind: string; message: string };
const problemsOf = (json: Record<string, unknown>): Problem[] => (json['problems'] as Problem[]) ?? [];

test('dropping the append-only triggers alone fails verify, and so does a trigger added to rewrite rows', async () => {
  const home = tempHome();
  try {
    homeWithTwoCheckpoints(home.dir);
    assert.equal((await attest(['audit', 'verify', '--home', home.dir, '--json'])).code, 0);
    const raw = new Database(join(home.dir, 'attest.sqlite'));
    raw.exec('DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_checkpoints_no_update');
    raw.close();
    const dropped = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(dropped.code, 3, dropped.stderr);
    const messages = problemsOf(dropped.json).map((p) => `${p.kind}: ${p.message}`);
    assert.deepEqual(messages, [
      "schema-altered: trigger audit_events_no_delete on audit_events was dropped: the table's append-only protection is gone",
      "schema-altered: trigger audit_checkpoints_no_update on audit_checkpoints was dropped: the table's append-only protection is gone",
    ]);

    const again = new Database(join(home.dir, 'attest.sqlite'));
    again.exec(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER quiet AFTER INSERT ON audit_events BEGIN SELECT 1; END;`);
    again.close();
    const added = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(added.code, 3);
    assert.deepEqual(
      problemsOf(added.json).map((p) => p.message),
      [
        'trigger quiet on audit_events was added outside the application: it can change rows as they are written',
      ],
    );
  } finally {
    home.cleanup();
  }
});

test('the newest events deleted with the checkpoints that cover them are caught through the witness', async () => {
  const home = tempHome();
  try {
    const { first, second } = homeWithTwoCheckpoints(home.dir);
    assert.equal(first.treeSize, 4);
    assert.equal(second.treeSize, 8);
    const witness = witnessPath(home.dir);
    assert.ok(existsSync(witness), 'every checkpoint is witnessed outside the database');
    assert.ok(!witness.startsWith(home.dir), 'the witness is not inside the home');
    const witnessed = JSON.parse(readFileSync(witness, 'utf8')) as { checkpoint: SignedCheckpoint };
    assert.equal(witnessed.checkpoint.treeSize, 8);

    tamperCarefully(
      home.dir,
      `DELETE FROM audit_events WHERE seq > ${first.treeSize}; DELETE FROM audit_checkpoints WHERE id > ${first.id}`,
    );
    // The database alone still looks whole: the earlier checkpoint matches the events that are left.
    const elsewhere = mkdtempSync(join(tmpdir(), 'attest-no-witness-'));
    try {
      const blind = await attest(['audit', 'verify', '--home', home.dir, '--json'], {
        env: { ATTEST_WITNESS_DIR: elsewhere },
      });
      assert.equal(blind.code, 0, 'without the witness, nothing in the file shows the deletion');
      assert.match(String(blind.json['warnings']), /no witness of the latest checkpoint/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }

    const result = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(result.code, 3, result.stdout);
    const kinds = problemsOf(result.json).map((p) => p.kind);
    assert.deepEqual(kinds, ['checkpoints-deleted', 'witness-beyond-log']);
    assert.match(
      problemsOf(result.json)[1]?.message ?? '',
      /covers 8 events but the log holds 4: the newest events were deleted/,
    );
    assert.match(result.stderr, /audit verification failed/);
    // Nor can a new checkpoint paper over it.
    const sign = await attest(['audit', 'checkpoint', '--home', home.dir, '--json']);
    assert.equal(sign.code, 3);
    assert.match(sign.stderr, /no longer starts with the 8 events witnessed/);
  } finally {
    home.cleanup();
  }
});

test('deleting every checkpoint is an error once one was witnessed, only a warning before', async () => {
  const home = tempHome();
  try {
    const ws = Workspace.open(home.dir);
    seed(ws, 2);
    ws.close();
    const unwitnessed = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(unwitnessed.code, 0);
    assert.match(String(unwitnessed.json['warnings']), /no signed checkpoint yet/);

    homeWithTwoCheckpoints(home.dir);
    tamperCarefully(home.dir, 'DELETE FROM audit_checkpoints');
    const result = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(result.code, 3);
    assert.deepEqual(
      problemsOf(result.json).map((p) => p.kind),
      ['checkpoints-deleted'],
    );
    assert.match(
      problemsOf(result.json)[0]?.message ?? '',
      /every signed checkpoint is gone from the database/,
    );
  } finally {
    home.cleanup();
  }
});

test('a bundle and the HTML and PDF reports carry the checkpoint out: audit prove --since with either catches a shorter trail', async () => {
  const home = tempHome();
  try {
    const ws = Workspace.open(home.dir);
    const { modelId } = seedRecords(ws);
    ws.close();
    const { first } = homeWithTwoCheckpoints(home.dir);
    const report = join(home.dir, 'report.html');
    const reported = await attest([
      'report',
      '--home',
      home.dir,
      '--model',
      modelId,
      '--out',
      report,
      '--json',
    ]);
    assert.equal(reported.code, 0, reported.stderr);
    assert.match(readFileSync(report, 'utf8'), /<script type="application\/json" id="attest-checkpoint">/);
    const pdf = join(home.dir, 'report.pdf');
    const printed = await attest(['report', '--home', home.dir, '--model', modelId, '--out', pdf, '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    const bundle = join(home.dir, 'bundle.zip');
    const exported = await attest([
      'audit',
      'export',
      '--home',
      home.dir,
      '--out',
      bundle,
      '--artifacts',
      'none',
      '--json',
    ]);
    assert.equal(exported.code, 0, exported.stderr);
    for (const carried of [bundle, report, pdf]) {
      const grown = await attest(['audit', 'prove', '--home', home.dir, '--since', carried, '--json']);
      assert.equal(grown.code, 0, grown.stdout);
      assert.equal(grown.json['ok'], true);
    }

    // The witness goes too, as someone with write access to the configuration folder could do.
    rmSync(witnessPath(home.dir));
    tamperCarefully(
      home.dir,
      `DELETE FROM audit_events WHERE seq > ${first.treeSize}; DELETE FROM audit_checkpoints WHERE id > ${first.id}`,
    );
    for (const carried of [bundle, report, pdf]) {
      const cut = await attest(['audit', 'prove', '--home', home.dir, '--since', carried, '--json']);
      assert.equal(cut.code, 3, cut.stdout);
      assert.match(String(cut.json['message']), /events were deleted/);
    }

    tamperCarefully(home.dir, 'DELETE FROM audit_checkpoints');
    const none = await attest(['audit', 'prove', '--home', home.dir, '--since', bundle, '--json']);
    assert.equal(none.code, 3, none.stdout);
    assert.match(String(none.json['message']), /holds no signed checkpoint, but this one covers \d+ events/);

    const notCheckpoint = await attest([
      'audit',
      'prove',
      '--home',
      home.dir,
      '--since',
      join(home.dir, 'attest.sqlite'),
      '--json',
    ]);
    assert.equal(notCheckpoint.code, 2);
    assert.match(notCheckpoint.stderr, /attest\.sqlite: /);
  } finally {
    home.cleanup();
  }
});
