import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { addUser, authenticate, checkPasswordAsync } from '../../src-main/core/audit/users.js';
import { hashPassword, verifyPassword, verifyPasswordAsync } from '../../src-main/core/audit/passwords.js';
import { tempHome } from '../helpers/temp-home.js';

const ADMIN_PASSWORD = 'First-Administrator-2026';

function outcome(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.error.message;
}

test('the thread-pool check reads the stored format the synchronous one writes, and agrees with it', async () => {
  const stored = hashPassword('Quality-Review-Desk-11');
  assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPasswordAsync(stored, 'Quality-Review-Desk-11'), true);
  assert.equal(await verifyPasswordAsync(stored, 'Quality-Review-Desk-12'), false);
  assert.equal(verifyPassword(stored, 'Quality-Review-Desk-11'), true);
  assert.equal(await verifyPasswordAsync('not-a-hash', 'Quality-Review-Desk-11'), false);
});

test('sign-ins hash on the thread pool: the server answers another request while two of them run', async () => {
  const home = tempHome('password-off-loop');
  const workspace = Workspace.open(home.dir);
  const engine = new Dispatcher(workspace, () => undefined);
  try {
    addUser(workspace.db, {
      name: 'ada',
      printedName: 'Ada Admin',
      role: 'administrator',
      password: ADMIN_PASSWORD,
    });
    const finished: string[] = [];
    let loopTurned = false;
    const first = engine.dispatch('session.signIn', { name: 'ada', password: ADMIN_PASSWORD }).then((r) => {
      finished.push(`first sign-in: ${outcome(r)}`);
      // With scrypt on the event loop the promise settles before any macrotask could run.
      assert.equal(loopTurned, true, 'the event loop stayed blocked for the whole password hash');
    });
    const second = engine
      .dispatch('session.signIn', { name: 'ada', password: 'wrong-password-here' })
      .then((r) => {
        finished.push(`second sign-in: ${outcome(r) === 'ok' ? 'ok' : 'refused'}`);
      });
    setImmediate(() => (loopTurned = true));
    const ping = engine.dispatch('session.status', {}).then((r) => finished.push(`status: ${outcome(r)}`));
    await Promise.all([first, second, ping]);
    assert.equal(finished[0], 'status: ok', `the status waited for the hashing: ${finished.join(', ')}`);
    assert.ok(finished.includes('first sign-in: ok'), finished.join(', '));
    assert.ok(finished.includes('second sign-in: refused'), finished.join(', '));
    // The wrong password was still counted and audited by the core, as before. The two hashes finish in either
    // order and a right password resets the counter, so the count is read from its audit event.
    const failures = listAuditEvents(workspace.db).filter((e) => e.action === 'user.sign-in.failed');
    assert.equal(failures.length, 1);
    assert.deepEqual(failures[0]?.payload['result'], { failedAttempts: 1, locked: false });
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('a verdict made for another password or an older hash is not trusted: the core checks again', async () => {
  const home = tempHome('password-verdict');
  const workspace = Workspace.open(home.dir);
  try {
    addUser(workspace.db, {
      name: 'ada',
      printedName: 'Ada Admin',
      role: 'administrator',
      password: ADMIN_PASSWORD,
    });
    const verdict = await checkPasswordAsync(workspace.db, 'ada', ADMIN_PASSWORD);
    assert.equal(verdict.correct, true);
    // Reused for a different password, the verdict does not let it in.
    assert.throws(
      () => authenticate(workspace.db, 'ada', 'wrong-password-here', verdict),
      /password is wrong/,
    );
    // A forged "correct" verdict against a hash that is not the stored one is ignored.
    const forged = { ...verdict, password: 'wrong-password-here', storedHash: hashPassword('x-x-x-x-x-x') };
    assert.throws(
      () => authenticate(workspace.db, 'ada', 'wrong-password-here', forged),
      /password is wrong/,
    );
    assert.equal(authenticate(workspace.db, 'ada', ADMIN_PASSWORD, verdict).name, 'ada');
  } finally {
    workspace.close();
    home.cleanup();
  }
});
