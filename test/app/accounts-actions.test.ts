import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { listUsers } from '../../src-main/core/audit/users.js';
import { tempHome } from '../helpers/temp-home.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

function refusal(result: Result<unknown>): string {
  assert.equal(result.ok, false, 'the action should have been refused');
  return (result as { ok: false; error: { message: string } }).error.message;
}

const ADMIN_PASSWORD = 'First-Administrator-2026';
const REVIEWER_PASSWORD = 'Quality-Review-Desk-11';

test('accounts from the UI: the first administrator, then add, role, reset and unlock, each audited', async () => {
  const home = tempHome('accounts-actions');
  const workspace = Workspace.open(home.dir);
  const engine = new Dispatcher(workspace, () => undefined);
  try {
    // A fresh installation: the first account must be an administrator, and nothing is stored otherwise.
    assert.match(
      refusal(
        await engine.dispatch('users.add', {
          name: 'rita',
          printedName: 'Rita Q.',
          role: 'reviewer',
          password: REVIEWER_PASSWORD,
        }),
      ),
      /first account must be an administrator/,
    );
    assert.equal(listUsers(workspace.db).length, 0);
    assert.match(
      refusal(
        await engine.dispatch('users.add', {
          name: 'ada',
          printedName: 'Ada Admin',
          role: 'administrator',
          password: 'short',
        }),
      ),
      /at least 10 characters/,
    );
    assert.equal(listUsers(workspace.db).length, 0);
    value(
      await engine.dispatch('users.add', {
        name: 'ada',
        printedName: 'Dr. Ada Admin',
        role: 'administrator',
        password: ADMIN_PASSWORD,
      }),
    );
    assert.deepEqual(value(await engine.dispatch('session.status', {})), { usersExist: true, user: null });

    // From now on, account changes need a signed-in administrator.
    assert.match(refusal(await engine.dispatch('users.list', {})), /sign in as an administrator/);
    assert.match(
      refusal(
        await engine.dispatch('users.add', {
          name: 'mallory',
          printedName: 'Mallory',
          role: 'administrator',
          password: 'Sneaky-Second-Admin-1',
        }),
      ),
      /sign in as an administrator/,
    );
    const admin = value<{ token: string }>(
      await engine.dispatch('session.signIn', { name: 'ada', password: ADMIN_PASSWORD }),
    ).token;
    value(
      await engine.dispatch(
        'users.add',
        { name: 'rita', printedName: 'Rita Q.', role: 'operator', password: REVIEWER_PASSWORD },
        admin,
      ),
    );
    const promoted = value<{ user: { role: string } }>(
      await engine.dispatch(
        'users.setRole',
        { name: 'rita', role: 'reviewer', reason: 'signs the ECG validations' },
        admin,
      ),
    );
    assert.equal(promoted.user.role, 'reviewer');

    // A reviewer may not manage accounts.
    const rita = value<{ token: string }>(
      await engine.dispatch('session.signIn', { name: 'rita', password: REVIEWER_PASSWORD }),
    ).token;
    assert.match(
      refusal(await engine.dispatch('users.setRole', { name: 'rita', role: 'administrator' }, rita)),
      /only an administrator manages accounts/,
    );

    // Five wrong passwords lock the account; a reset by the administrator unlocks it.
    for (let i = 0; i < 5; i++)
      refusal(await engine.dispatch('session.signIn', { name: 'rita', password: 'not-her-password' }));
    const locked = value<{ users: { name: string; locked: boolean }[] }>(
      await engine.dispatch('users.list', {}, admin),
    );
    assert.equal(locked.users.find((u) => u.name === 'rita')?.locked, true);
    const reset = value<{ user: { locked: boolean; failedAttempts: number } }>(
      await engine.dispatch(
        'users.resetPassword',
        { name: 'rita', password: 'Quality-Review-Desk-12', reason: 'locked out' },
        admin,
      ),
    );
    assert.deepEqual([reset.user.locked, reset.user.failedAttempts], [false, 0]);
    value(await engine.dispatch('session.signIn', { name: 'rita', password: 'Quality-Review-Desk-12' }));

    // The last administrator cannot lose the role.
    assert.match(
      refusal(await engine.dispatch('users.setRole', { name: 'ada', role: 'reviewer' }, admin)),
      /last administrator/,
    );

    const accountEvents = listAuditEvents(workspace.db)
      .filter((e) => e.action.startsWith('user.') && e.action !== 'user.sign-in.failed')
      .map((e) => [e.action, e.actor]);
    assert.equal(accountEvents[0]?.[0], 'user.create', 'the first administrator is audited');
    assert.deepEqual(
      accountEvents
        .slice(1)
        .map(([action, actor]) => (action === 'user.locked' ? action : `${action} by ${actor}`)),
      [
        'user.create by user:ada',
        'user.role.change by user:ada',
        'user.locked',
        'user.password.reset by user:ada',
      ],
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
