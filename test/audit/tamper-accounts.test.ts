import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { appendAuditEvent, hasUsers } from '../../src-main/core/audit/log.js';
import { MAX_FAILED_ATTEMPTS } from '../../src-main/core/audit/users.js';
import { tempHome } from '../helpers/temp-home.js';
import { attest } from './cli-run.js';

/**
 * Accounts changed in the database behind the application's back, and the races and gaps around signing in:
 * the account state replayed from the audit trail is the reference.
 */
const ADMIN_PASSWORD = 'correct horse battery staple';
const OPERATOR_PASSWORD = 'operator pass phrase 12';

async function homeWithAccounts(dir: string): Promise<void> {
  const admin = await attest(
    [
      'users',
      'add',
      '--home',
      dir,
      '--name',
      'alice',
      '--role',
      'administrator',
      '--printed-name',
      'Alice Admin',
      '--password-stdin',
      '--json',
    ],
    { stdin: `${ADMIN_PASSWORD}\n` },
  );
  assert.equal(admin.code, 0, admin.stderr);
  const operator = await attest(
    [
      '--user',
      'alice',
      'users',
      'add',
      '--home',
      dir,
      '--name',
      'oscar',
      '--role',
      'operator',
      '--printed-name',
      'Oscar Operator',
      '--password-stdin',
      '--json',
    ],
    { stdin: `${ADMIN_PASSWORD}\n${OPERATOR_PASSWORD}\n` },
  );
  assert.equal(operator.code, 0, operator.stderr);
}

function raw(dir: string, sql: string): void {
  const db = new Database(join(dir, 'attest.sqlite'));
  db.exec(sql);
  db.close();
}

type Problem = { kind: string; message: string };
const messagesOf = (json: Record<string, unknown>): string[] =>
  ((json['problems'] as Problem[] | undefined) ?? []).map((p) => `${p.kind}: ${p.message}`);

test('deleting every account is named by verify and does not bring back the anonymous first setup', async () => {
  const home = tempHome();
  try {
    await homeWithAccounts(home.dir);
    raw(home.dir, 'DELETE FROM sessions; DELETE FROM users');
    const verify = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(verify.code, 3, verify.stdout);
    const messages = messagesOf(verify.json);
    assert.equal(messages.length, 2, messages.join('\n'));
    assert.match(
      messages[0] ?? '',
      /^account-deleted: account "alice" \(usr-[0-9a-f]+\) is in the audit trail but missing/,
    );
    assert.match(messages[1] ?? '', /^account-deleted: account "oscar"/);

    const anonymous = await attest(['projects', 'add', 'sneaky', '--home', home.dir, '--json']);
    assert.equal(anonymous.code, 2, anonymous.stdout);
    assert.match(anonymous.stderr, /this installation has user accounts/);
    const newAdmin = await attest(
      [
        'users',
        'add',
        '--home',
        home.dir,
        '--name',
        'mallory',
        '--role',
        'administrator',
        '--password-stdin',
        '--json',
      ],
      { stdin: 'mallory owns it now 1\n' },
    );
    assert.equal(newAdmin.code, 2, newAdmin.stdout);
    const after = await attest(['audit', 'log', '--home', home.dir, '--json']);
    const actions = (after.json['events'] as { action: string }[]).map((e) => e.action);
    assert.ok(!actions.includes('project.create'), 'nothing stored');
    assert.equal(actions.filter((a) => a === 'user.create').length, 2, 'no third account');
  } finally {
    home.cleanup();
  }
});

test('a lock cleared and a printed name changed in the database are named by verify', async () => {
  const home = tempHome();
  try {
    await homeWithAccounts(home.dir);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      const wrong = await attest(['--user', 'oscar', 'audit', 'checkpoint', '--home', home.dir, '--json'], {
        env: { ATTEST_PASSWORD: 'not the password at all' },
      });
      assert.equal(wrong.code, 2);
    }
    const locked = await attest(['--user', 'oscar', 'audit', 'checkpoint', '--home', home.dir, '--json'], {
      env: { ATTEST_PASSWORD: OPERATOR_PASSWORD },
    });
    assert.equal(locked.code, 2);
    assert.match(locked.stderr, /locked/);
    assert.equal((await attest(['audit', 'verify', '--home', home.dir, '--json'])).code, 0);

    raw(home.dir, `UPDATE users SET locked = 0, failed_attempts = 0 WHERE name = 'oscar'`);
    raw(home.dir, `UPDATE users SET printed_name = 'Someone Else' WHERE name = 'alice'`);
    const verify = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(verify.code, 3);
    assert.deepEqual(messagesOf(verify.json), [
      'account-altered: account "alice" has the printed name "Someone Else", but the audit trail says "Alice Admin": changed outside the application',
      'account-altered: account "oscar" is unlocked, but the audit trail locked it and no audited password reset unlocked it: changed outside the application',
    ]);
  } finally {
    home.cleanup();
  }
});

test('twelve wrong passwords from parallel processes lock the account', async () => {
  const home = tempHome();
  try {
    await homeWithAccounts(home.dir);
    const runs = await Promise.all(
      Array.from({ length: 12 }, () =>
        attest(['--user', 'oscar', 'audit', 'checkpoint', '--home', home.dir, '--json'], {
          env: { ATTEST_PASSWORD: 'guessing in parallel' },
        }),
      ),
    );
    for (const run of runs) {
      assert.equal(run.code, 2, run.stderr);
      assert.doesNotMatch(run.stderr, /database is locked|SQLITE_BUSY/);
    }
    const ws = Workspace.open(home.dir);
    try {
      const row = ws.db.prepare(`SELECT failed_attempts, locked FROM users WHERE name = 'oscar'`).get() as {
        failed_attempts: number;
        locked: number;
      };
      assert.equal(row.locked, 1);
      assert.equal(row.failed_attempts, MAX_FAILED_ATTEMPTS, 'each counted, none after the lock');
      const counted = ws.db
        .prepare(
          `SELECT action, COUNT(*) AS n FROM audit_events WHERE action IN ('user.sign-in.failed', 'user.locked') GROUP BY action ORDER BY action`,
        )
        .all();
      assert.deepEqual(counted, [
        { action: 'user.locked', n: 1 },
        { action: 'user.sign-in.failed', n: MAX_FAILED_ATTEMPTS - 1 },
      ]);
    } finally {
      ws.close();
    }
    const right = await attest(['--user', 'oscar', 'audit', 'checkpoint', '--home', home.dir, '--json'], {
      env: { ATTEST_PASSWORD: OPERATOR_PASSWORD },
    });
    assert.equal(right.code, 2, 'the right password no longer opens a locked account');
  } finally {
    home.cleanup();
  }
});

test('once accounts exist, audit checkpoint and export-model need a signed-in user; reading does not', async () => {
  const home = tempHome();
  try {
    await homeWithAccounts(home.dir);
    const checkpoint = await attest(['audit', 'checkpoint', '--home', home.dir, '--json']);
    assert.equal(checkpoint.code, 2, checkpoint.stdout);
    assert.match(checkpoint.stderr, /run `attest audit checkpoint` as a user/);
    const exported = await attest([
      'export-model',
      '--model',
      'm-1',
      '--out',
      join(home.dir, 'm'),
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(exported.code, 2);
    assert.match(exported.stderr, /run `attest export-model` as a user/);
    for (const read of [
      ['audit', 'verify'],
      ['audit', 'log'],
      ['users', 'list'],
      ['models', 'list'],
    ]) {
      const run = await attest([...read, '--home', home.dir, '--json']);
      assert.equal(run.code, 0, `${read.join(' ')}: ${run.stderr}`);
    }
    const signed = await attest(['--user', 'oscar', 'audit', 'checkpoint', '--home', home.dir, '--json'], {
      env: { ATTEST_PASSWORD: OPERATOR_PASSWORD },
    });
    assert.equal(signed.code, 0, signed.stderr);
  } finally {
    home.cleanup();
  }
});

test('hasUsers fails closed: an unreadable users table counts as accounts, and anonymous changes are refused', () => {
  const home = tempHome();
  try {
    const ws = Workspace.open(home.dir);
    assert.equal(hasUsers(ws.db), false, 'a fresh home is in first setup');
    ws.close();
    raw(home.dir, 'ALTER TABLE users RENAME TO users_gone');
    const again = Workspace.open(home.dir);
    try {
      assert.equal(hasUsers(again.db), true);
      assert.throws(
        () =>
          again.db.transaction(() => appendAuditEvent(again.db, { action: 'test.anonymous', payload: {} }))(),
        /this installation has user accounts/,
      );
      assert.equal((again.db.prepare('SELECT COUNT(*) AS n FROM audit_events').get() as { n: number }).n, 0);
    } finally {
      again.close();
    }
  } finally {
    home.cleanup();
  }
});
