import { randomBytes } from 'node:crypto';
import type { Db } from '../store/database.js';
import { AttestError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { authenticate, getUser, type PasswordVerdict, type UserRow } from './users.js';

/**
 * Sign-in sessions for the long-lived front doors (the app, `attest serve`): a session ends after
 * `idleMinutes` without use and in any case `maxHours` after sign-in. The CLI signs in afresh for every command
 * and needs no session. Only the SHA-256 of a token is stored.
 */
export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMinutes: 15, maxHours: 12 };

export interface Session {
  token: string;
  user: UserRow;
  expiresAt: string;
}

interface SessionRow {
  token_sha256: string;
  user_id: string;
  last_used_at: string;
  expires_at: string;
  ended_at: string | null;
}

export function signIn(
  db: Db,
  name: string,
  password: string,
  now = new Date(),
  policy = DEFAULT_SESSION_POLICY,
  verdict?: PasswordVerdict,
): Session {
  const user = authenticate(db, name, password, verdict);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + policy.maxHours * 3600_000).toISOString();
  db.prepare(
    'INSERT INTO sessions (token_sha256, user_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  ).run(sha256Hex(token), user.id, now.toISOString(), now.toISOString(), expiresAt);
  return { token, user, expiresAt };
}

/** The user of a live session; refreshes its idle timer. An expired or ended session is refused. */
export function resumeSession(
  db: Db,
  token: string,
  now = new Date(),
  policy = DEFAULT_SESSION_POLICY,
): UserRow {
  const row = db.prepare('SELECT * FROM sessions WHERE token_sha256 = ?').get(sha256Hex(token)) as
    SessionRow | undefined;
  const expired = (why: string): AttestError =>
    new AttestError('BAD_INPUT', `the session ${why}: sign in again`);
  if (row === undefined) throw expired('is unknown');
  if (row.ended_at !== null) throw expired('was ended');
  if (now.getTime() >= Date.parse(row.expires_at)) throw expired('reached its maximum length');
  if (now.getTime() - Date.parse(row.last_used_at) >= policy.idleMinutes * 60_000) {
    db.prepare('UPDATE sessions SET ended_at = ? WHERE token_sha256 = ?').run(
      now.toISOString(),
      row.token_sha256,
    );
    throw expired(`timed out after ${policy.idleMinutes} minutes without use`);
  }
  db.prepare('UPDATE sessions SET last_used_at = ? WHERE token_sha256 = ?').run(
    now.toISOString(),
    row.token_sha256,
  );
  const name = (db.prepare('SELECT name FROM users WHERE id = ?').get(row.user_id) as { name: string }).name;
  const user = getUser(db, name);
  if (user.locked) throw expired('belongs to a locked account');
  return user;
}

export function signOut(db: Db, token: string, now = new Date()): void {
  db.prepare('UPDATE sessions SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL').run(
    now.toISOString(),
    sha256Hex(token),
  );
}
