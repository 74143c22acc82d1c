import { randomBytes } from 'node:crypto';
import type { Db } from '../store/database.js';
import { AttestError, badInput } from '../errors.js';
import { utcNow } from '../util/ids.js';
import { sha256Hex } from '../util/hash.js';
import { appendAuditEvent, currentActor, hasAccountEvents, hasUsers, signedInActor } from './log.js';
import {
  checkPasswordPolicy,
  DUMMY_HASH,
  hashPassword,
  verifyPassword,
  verifyPasswordAsync,
} from './passwords.js';

/**
 * Local user accounts. Roles: an operator imports, trains, compresses and validates; a reviewer may also sign
 * records; an administrator manages accounts (and may sign). The first account of an installation must be an
 * administrator and can be made without signing in; every later account change needs a signed-in
 * administrator, and each is an audit event with the old and new values.
 */
export const ROLES = ['operator', 'reviewer', 'administrator'] as const;
export type Role = (typeof ROLES)[number];

/** Consecutive wrong passwords after which an account is locked until an administrator resets its password. */
export const MAX_FAILED_ATTEMPTS = 5;

export interface UserRow {
  id: string;
  name: string;
  printedName: string;
  role: Role;
  passwordChangedAt: string;
  failedAttempts: number;
  locked: boolean;
  createdAt: string;
}

interface UserDbRow {
  id: string;
  name: string;
  printed_name: string;
  role: Role;
  password_hash: string;
  password_changed_at: string;
  failed_attempts: number;
  locked: number;
  created_at: string;
}

function toUser(row: UserDbRow): UserRow {
  return {
    id: row.id,
    name: row.name,
    printedName: row.printed_name,
    role: row.role,
    passwordChangedAt: row.password_changed_at,
    failedAttempts: row.failed_attempts,
    locked: row.locked !== 0,
    createdAt: row.created_at,
  };
}

export function actorOf(user: UserRow): string {
  return `user:${user.name}`;
}

export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text))
    throw badInput(`unknown role "${text}" (one of ${ROLES.join(', ')})`);
  return text as Role;
}

const NAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/i;

export function listUsers(db: Db): UserRow[] {
  return (db.prepare('SELECT * FROM users ORDER BY created_at, name').all() as UserDbRow[]).map(toUser);
}

function rowByName(db: Db, name: string): UserDbRow | undefined {
  return db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserDbRow | undefined;
}

export function getUser(db: Db, name: string): UserRow {
  const row = rowByName(db, name);
  if (row === undefined)
    throw new AttestError('NOT_FOUND', `no user named "${name}" (see \`attest users list\`)`);
  return toUser(row);
}

/** The signed-in administrator, or the operating-system account while the installation has no accounts yet. */
function requireAdministrator(db: Db): string {
  if (!hasUsers(db)) return currentActor();
  const actor = signedInActor();
  const name = actor?.startsWith('user:') === true ? actor.slice(5) : undefined;
  const row = name !== undefined ? rowByName(db, name) : undefined;
  if (row === undefined && noAccountRows(db))
    throw badInput(
      'the audit trail records user accounts but the users table is empty: the accounts were deleted outside ' +
        'the application; restore the database from a backup (see `attest audit verify`)',
    );
  if (row === undefined)
    throw badInput('managing accounts needs a signed-in administrator (attest --user NAME users ...)');
  if (row.role !== 'administrator')
    throw badInput(`user "${row.name}" is a ${row.role}: managing accounts needs an administrator`);
  return actor as string;
}

export function addUser(
  db: Db,
  input: { name: string; printedName: string; role: Role; password: string; reason?: string },
): UserRow {
  if (!NAME_PATTERN.test(input.name))
    throw badInput(
      `user name "${input.name}" must be 2-32 letters, digits, '.', '_' or '-', starting with a letter`,
    );
  const printedName = input.printedName.trim();
  if (printedName === '' || printedName.length > 120)
    throw badInput('the printed name must have 1 to 120 characters');
  if (hasUsers(db)) requireAdministrator(db); // refused before anything else is said about the input
  checkPasswordPolicy(input.password, input.name);
  const hash = hashPassword(input.password);
  return db.transaction(() => {
    const first = !hasUsers(db);
    if (first && input.role !== 'administrator')
      throw badInput('the first account must be an administrator (--role administrator)');
    const actor = requireAdministrator(db);
    if (rowByName(db, input.name) !== undefined)
      throw badInput(`a user named "${input.name}" already exists`);
    const now = utcNow();
    const id = `usr-${randomBytes(6).toString('hex')}`;
    db.prepare(
      `INSERT INTO users (id, name, printed_name, role, password_hash, password_changed_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, input.name, printedName, input.role, hash, now, now);
    appendAuditEvent(db, {
      action: 'user.create',
      entityType: 'user',
      entityId: id,
      actor,
      payload: {
        // A digest of the salted scrypt string, never the string: lets the verifier notice a swapped hash.
        new: { name: input.name, printedName, role: input.role, passwordDigest: sha256Hex(hash) },
        ...(first ? { params: { firstAccount: true } } : {}),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      },
    });
    return getUser(db, input.name);
  })();
}

export function setRole(db: Db, name: string, role: Role, reason?: string): UserRow {
  return db.transaction(() => {
    const actor = requireAdministrator(db);
    const before = getUser(db, name);
    if (before.role === role) return before;
    if (before.role === 'administrator' && administratorCount(db) === 1)
      throw badInput(`"${name}" is the last administrator: make another administrator first`);
    db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, before.id);
    appendAuditEvent(db, {
      action: 'user.role.change',
      entityType: 'user',
      entityId: before.id,
      actor,
      payload: { old: { role: before.role }, new: { role }, ...(reason !== undefined ? { reason } : {}) },
    });
    return getUser(db, name);
  })();
}

function noAccountRows(db: Db): boolean {
  return db.prepare('SELECT 1 FROM users LIMIT 1').get() === undefined && hasAccountEvents(db);
}

function administratorCount(db: Db): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM users WHERE role = 'administrator'`).get() as { n: number })
    .n;
}

/** Sets a new password and unlocks the account; the hashes never enter the audit trail. */
export function resetPassword(db: Db, name: string, password: string, reason?: string): UserRow {
  requireAdministrator(db);
  checkPasswordPolicy(password, name);
  const hash = hashPassword(password);
  return db.transaction(() => {
    const actor = requireAdministrator(db);
    const before = getUser(db, name);
    db.prepare(
      'UPDATE users SET password_hash = ?, password_changed_at = ?, failed_attempts = 0, locked = 0 WHERE id = ?',
    ).run(hash, utcNow(), before.id);
    appendAuditEvent(db, {
      action: 'user.password.reset',
      entityType: 'user',
      entityId: before.id,
      actor,
      payload: {
        old: { locked: before.locked, failedAttempts: before.failedAttempts },
        new: { locked: false, failedAttempts: 0, passwordChanged: true, passwordDigest: sha256Hex(hash) },
        ...(reason !== undefined ? { reason } : {}),
      },
    });
    return getUser(db, name);
  })();
}

/**
 * A user changes their own password: the current one is checked again (a session alone is not enough), the
 * new one must differ and meet the policy. Audited like a reset, with the digest of the new hash.
 */
export function changeOwnPassword(
  db: Db,
  name: string,
  currentPassword: string,
  newPassword: string,
): UserRow {
  const user = authenticate(db, name, currentPassword);
  if (newPassword === currentPassword) throw badInput('the new password must differ from the current one');
  checkPasswordPolicy(newPassword, name);
  const hash = hashPassword(newPassword);
  return db.transaction(() => {
    db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?').run(
      hash,
      utcNow(),
      user.id,
    );
    appendAuditEvent(db, {
      action: 'user.password.change',
      entityType: 'user',
      entityId: user.id,
      actor: actorOf(user),
      payload: { new: { passwordChanged: true, passwordDigest: sha256Hex(hash) } },
    });
    return getUser(db, name);
  })();
}

/** A password already checked off the event loop against the hash stored for a name at that moment. */
export interface PasswordVerdict {
  name: string;
  password: string;
  storedHash: string;
  correct: boolean;
}

/**
 * Runs the scrypt of a sign-in or signature on the thread pool before the (synchronous, transactional)
 * authenticate, so a server keeps answering other desks meanwhile. An unknown name is checked against the
 * dummy hash, as authenticate does, so it costs the same time.
 */
export async function checkPasswordAsync(db: Db, name: string, password: string): Promise<PasswordVerdict> {
  const storedHash = rowByName(db, name)?.password_hash ?? DUMMY_HASH;
  return { name, password, storedHash, correct: await verifyPasswordAsync(storedHash, password) };
}

/** The verdict's answer when it was made for this name, password and the hash stored now; else a fresh check. */
function passwordMatches(stored: string, name: string, password: string, verdict?: PasswordVerdict): boolean {
  if (verdict?.name === name && verdict.password === password && verdict.storedHash === stored)
    return verdict.correct;
  return verifyPassword(stored, password);
}

/**
 * Checks a user name and password. A wrong password is counted and audited (and locks the account at the
 * limit) in its own committed transaction, then refused; an unknown name costs the same scrypt time. The count
 * is read and raised inside one immediate transaction, so wrong passwords from parallel processes each count:
 * twelve at once lock the account instead of all writing "1".
 */
export function authenticate(db: Db, name: string, password: string, verdict?: PasswordVerdict): UserRow {
  const row = rowByName(db, name);
  if (row === undefined) {
    passwordMatches(DUMMY_HASH, name, password, verdict);
    if (noAccountRows(db))
      throw badInput(
        `no user "${name}": the audit trail records user accounts but the users table is empty (deleted ` +
          'outside the application); restore the database from a backup',
      );
    throw badInput(`user name or password is wrong for "${name}"`);
  }
  if (row.locked !== 0) throw lockedError(row.name);
  const correct = passwordMatches(row.password_hash, name, password, verdict);
  const outcome = db
    .transaction(() => {
      // Read again under the write lock: a parallel sign-in may have counted or locked since the read above.
      const now = db.prepare('SELECT * FROM users WHERE id = ?').get(row.id) as UserDbRow | undefined;
      if (now === undefined) return { kind: 'gone' as const };
      if (now.locked !== 0) return { kind: 'locked' as const };
      if (correct) {
        if (now.failed_attempts !== 0)
          db.prepare('UPDATE users SET failed_attempts = 0 WHERE id = ?').run(row.id);
        return { kind: 'ok' as const, user: toUser({ ...now, failed_attempts: 0 }) };
      }
      const attempts = now.failed_attempts + 1;
      const lock = attempts >= MAX_FAILED_ATTEMPTS;
      db.prepare('UPDATE users SET failed_attempts = ?, locked = ? WHERE id = ?').run(
        attempts,
        lock ? 1 : 0,
        row.id,
      );
      appendAuditEvent(db, {
        action: lock ? 'user.locked' : 'user.sign-in.failed',
        entityType: 'user',
        entityId: row.id,
        actor: currentActor(),
        payload: { params: { name: row.name }, result: { failedAttempts: attempts, locked: lock } },
      });
      return { kind: 'wrong' as const, attempts, lock };
    })
    .immediate();
  switch (outcome.kind) {
    case 'ok':
      return outcome.user;
    case 'locked':
      throw lockedError(row.name);
    case 'gone':
      throw badInput(`user name or password is wrong for "${name}"`);
    default:
      throw badInput(
        outcome.lock
          ? `wrong password: the account "${row.name}" is now locked after ${outcome.attempts} failed attempts`
          : `user name or password is wrong for "${name}"`,
      );
  }
}

function lockedError(name: string): AttestError {
  return badInput(
    `the account "${name}" is locked after repeated wrong passwords: an administrator must reset it`,
  );
}
