import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { appendAuditEvent, listAuditEvents, runAsActor } from '../../src-main/core/audit/log.js';
import {
  addUser,
  authenticate,
  changeOwnPassword,
  listUsers,
  MAX_FAILED_ATTEMPTS,
  resetPassword,
  setRole,
} from '../../src-main/core/audit/users.js';
import { resumeSession, signIn, signOut } from '../../src-main/core/audit/sessions.js';
import { signRecord } from '../../src-main/core/audit/signatures.js';
import { recordVersion } from '../../src-main/core/audit/record-version.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { gatherReportData } from '../../src-main/core/report/report-data.js';
import { renderModelReport } from '../../src-main/core/report/model-report.js';
import { tempHome } from '../helpers/temp-home.js';
import { seedRecords } from './fixtures.js';

const ADMIN_PW = 'admin-secret-1';
const REVIEWER_PW = 'reviewer-secret-2';

function withUsers(ws: Workspace): void {
  addUser(ws.db, { name: 'alice', printedName: 'Alice Admin', role: 'administrator', password: ADMIN_PW });
  runAsActor('user:alice', () => {
    addUser(ws.db, {
      name: 'rita',
      printedName: 'Dr. Rita Reviewer',
      role: 'reviewer',
      password: REVIEWER_PW,
    });
    addUser(ws.db, {
      name: 'otto',
      printedName: 'Otto Operator',
      role: 'operator',
      password: 'operator-secret-3',
    });
  });
}

test('accounts: the first is an administrator, later ones need one, each change audited with old and new values', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    assert.throws(
      () => addUser(ws.db, { name: 'rita', printedName: 'R', role: 'reviewer', password: REVIEWER_PW }),
      /first account must be an administrator/,
    );
    assert.throws(
      () => addUser(ws.db, { name: 'alice', printedName: 'A', role: 'administrator', password: 'short' }),
      /at least 10/,
    );
    withUsers(ws);
    const stored = ws.db.prepare(`SELECT password_hash FROM users WHERE name = 'alice'`).get() as {
      password_hash: string;
    };
    assert.match(stored.password_hash, /^scrypt\$32768\$8\$1\$/);
    assert.ok(!stored.password_hash.includes(ADMIN_PW));
    assert.throws(
      () =>
        addUser(ws.db, {
          name: 'eve',
          printedName: 'Eve',
          role: 'administrator',
          password: 'mallory-secret-99',
        }),
      /needs a signed-in administrator/,
    );
    assert.throws(
      () => runAsActor('user:rita', () => setRole(ws.db, 'otto', 'reviewer')),
      /rita" is a reviewer/,
    );
    runAsActor('user:alice', () => setRole(ws.db, 'otto', 'reviewer', 'joined QA'));
    assert.throws(
      () => runAsActor('user:alice', () => setRole(ws.db, 'alice', 'operator')),
      /last administrator/,
    );
    const change = listAuditEvents(ws.db).find((e) => e.action === 'user.role.change');
    assert.equal(change?.actor, 'user:alice');
    assert.deepEqual(change?.payload['old'], { role: 'operator' });
    assert.deepEqual(change?.payload['new'], { role: 'reviewer' });
    assert.equal(change?.payload.reason, 'joined QA');
    assert.deepEqual(
      listUsers(ws.db).map((u) => [u.name, u.role]),
      [
        ['alice', 'administrator'],
        ['rita', 'reviewer'],
        ['otto', 'reviewer'],
      ],
    );
    // With accounts, an anonymous change is refused and rolled back with its change.
    assert.throws(
      () =>
        ws.db.transaction(() => {
          ws.db.prepare(`INSERT INTO audit_keys VALUES ('k', 'x', 'y', 'z')`).run();
          appendAuditEvent(ws.db, { action: 'x', payload: {} });
        })(),
      /has user accounts/,
    );
    assert.equal((ws.db.prepare(`SELECT COUNT(*) AS n FROM audit_keys`).get() as { n: number }).n, 0);
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('wrong passwords are audited and lock the account at the limit until an administrator resets it', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    withUsers(ws);
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++)
      assert.throws(() => authenticate(ws.db, 'rita', 'not-her-password'), /wrong/);
    assert.throws(() => authenticate(ws.db, 'rita', 'not-her-password'), /now locked after 5/);
    assert.throws(() => authenticate(ws.db, 'rita', REVIEWER_PW), /locked/);
    assert.throws(() => authenticate(ws.db, 'nobody', 'whatever-at-all'), /wrong/);
    const actions = listAuditEvents(ws.db).map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'user.sign-in.failed').length, MAX_FAILED_ATTEMPTS - 1);
    assert.equal(actions.filter((a) => a === 'user.locked').length, 1);
    runAsActor('user:alice', () => resetPassword(ws.db, 'rita', 'brand-new-secret', 'locked out'));
    assert.equal(authenticate(ws.db, 'rita', 'brand-new-secret').name, 'rita');
    const reset = listAuditEvents(ws.db).find((e) => e.action === 'user.password.reset');
    assert.ok(!JSON.stringify(reset).includes('brand-new-secret'));
    assert.ok(!JSON.stringify(reset).includes('scrypt$'));
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('sessions time out after the idle limit and the maximum length, and end at sign-out', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    withUsers(ws);
    const t0 = new Date('2026-01-01T08:00:00Z');
    const minutes = (m: number): Date => new Date(t0.getTime() + m * 60_000);
    const session = signIn(ws.db, 'rita', REVIEWER_PW, t0);
    assert.equal(resumeSession(ws.db, session.token, minutes(10)).name, 'rita');
    assert.equal(
      resumeSession(ws.db, session.token, minutes(24)).name,
      'rita',
      'use refreshes the idle timer',
    );
    assert.throws(() => resumeSession(ws.db, session.token, minutes(40)), /timed out after 15 minutes/);
    assert.throws(() => resumeSession(ws.db, session.token, minutes(41)), /was ended/);
    const long = signIn(ws.db, 'rita', REVIEWER_PW, t0);
    for (let m = 10; m < 720; m += 10) resumeSession(ws.db, long.token, minutes(m));
    assert.throws(() => resumeSession(ws.db, long.token, minutes(720)), /maximum length/);
    const other = signIn(ws.db, 'rita', REVIEWER_PW, t0);
    signOut(ws.db, other.token, minutes(1));
    assert.throws(() => resumeSession(ws.db, other.token, minutes(2)), /was ended/);
    assert.throws(() => resumeSession(ws.db, 'forged-token', minutes(2)), /unknown/);
    const stored = ws.db.prepare('SELECT token_sha256 FROM sessions').all() as { token_sha256: string }[];
    assert.ok(
      stored.every((s) => s.token_sha256 !== session.token),
      'only token hashes are stored',
    );
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('a reviewer signs a validation: bound to the record hash, shown in the report, a changed record is named', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  let ids: ReturnType<typeof seedRecords>;
  try {
    ids = seedRecords(ws);
    withUsers(ws);
    const base = {
      entityType: 'validation' as const,
      entityId: ids.validationId,
      meaning: 'approved' as const,
    };
    assert.throws(
      () => signRecord(ws, { ...base, userName: 'otto', password: 'operator-secret-3' }),
      /operator/,
    );
    assert.throws(() => signRecord(ws, { ...base, userName: 'rita', password: 'wrong-password' }), /wrong/);
    const sig = signRecord(ws, {
      ...base,
      userName: 'rita',
      password: REVIEWER_PW,
      reason: 'meets the acceptance criteria',
    });
    assert.equal(sig.printedName, 'Dr. Rita Reviewer');
    assert.equal(sig.recordSha256, recordVersion(ws.db, 'validation', ids.validationId).sha256);
    const event = listAuditEvents(ws.db).find((e) => e.action === 'record.sign');
    assert.equal(event?.actor, 'user:rita');
    const verified = verifyAuditTrail(ws);
    assert.equal(verified.ok, true, JSON.stringify(verified.problems));
    assert.deepEqual(verified.signatures, { count: 1, valid: 1 });
    assert.equal(verified.checkpoints.eventsAfterLatest, 0, 'signing leaves a signed checkpoint');
    const html = renderModelReport(gatherReportData(ws, ids.modelId));
    assert.match(html, /Electronic signatures/);
    assert.match(html, /APPROVED/);
    assert.match(html, /Dr\. Rita Reviewer/);
    assert.ok(html.includes(sig.recordSha256));
    assert.match(html, /valid: the record is the version signed/);
  } finally {
    ws.close();
  }
  try {
    // Change the signed result behind the application's back.
    const raw = new Database(`${home.dir}/attest.sqlite`);
    raw
      .prepare(`UPDATE validations SET result_json = replace(result_json, '0.9', '0.99') WHERE id = ?`)
      .run(ids.validationId);
    raw.close();
    const again = Workspace.open(home.dir);
    const result = verifyAuditTrail(again);
    const html = renderModelReport(gatherReportData(again, ids.modelId));
    again.close();
    assert.deepEqual(
      result.problems.map((p) => p.kind),
      ['signed-record-altered'],
    );
    assert.match(
      result.problems[0]?.message ?? '',
      /validation val-000000000001 signed approved by Dr\. Rita Reviewer was changed/,
    );
    assert.match(html, /INVALID: the record changed after signing/);
  } finally {
    home.cleanup();
  }
});

test('an account promoted, added or given a known password directly in the database is named by verify', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  withUsers(ws);
  assert.equal(verifyAuditTrail(ws).ok, true);
  ws.close();
  try {
    const raw = new Database(`${home.dir}/attest.sqlite`);
    const aliceHash = (
      raw.prepare(`SELECT password_hash FROM users WHERE name = 'alice'`).get() as { password_hash: string }
    ).password_hash;
    raw.prepare(`UPDATE users SET role = 'administrator' WHERE name = 'otto'`).run();
    raw.prepare(`UPDATE users SET password_hash = ? WHERE name = 'rita'`).run(aliceHash);
    raw
      .prepare(
        `INSERT INTO users (id, name, printed_name, role, password_hash, password_changed_at, created_at)
         VALUES ('usr-intruder', 'mallory', 'M', 'administrator', ?, 'now', 'now')`,
      )
      .run(aliceHash);
    raw.close();
    const again = Workspace.open(home.dir);
    const messages = verifyAuditTrail(again).problems.map((p) => `${p.kind}: ${p.message}`);
    again.close();
    assert.deepEqual(messages, [
      'account-altered: account "rita" has a password hash that no audited reset set: changed outside the application',
      'account-altered: account "otto" has role administrator, but the audit trail says operator: changed outside the application',
      'account-altered: account "mallory" has no creation event in the audit trail: changed outside the application',
    ]);
  } finally {
    home.cleanup();
  }
});

test('users change their own password with the current one; the change is audited and verifies', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    withUsers(ws);
    assert.throws(() => changeOwnPassword(ws.db, 'rita', 'not-the-current', 'another-secret-9'), /wrong/);
    assert.throws(() => changeOwnPassword(ws.db, 'rita', REVIEWER_PW, REVIEWER_PW), /must differ/);
    changeOwnPassword(ws.db, 'rita', REVIEWER_PW, 'another-secret-9');
    assert.throws(() => authenticate(ws.db, 'rita', REVIEWER_PW), /wrong/);
    assert.equal(authenticate(ws.db, 'rita', 'another-secret-9').name, 'rita');
    const change = listAuditEvents(ws.db).find((e) => e.action === 'user.password.change');
    assert.equal(change?.actor, 'user:rita');
    const result = verifyAuditTrail(ws);
    assert.equal(result.ok, true, JSON.stringify(result.problems));
  } finally {
    ws.close();
    home.cleanup();
  }
});
