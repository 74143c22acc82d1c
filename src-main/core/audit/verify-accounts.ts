import type { Db } from '../store/database.js';
import { sha256Hex } from '../util/hash.js';
import type { AuditEvent } from './event-hash.js';
import type { AuditProblem } from './verify.js';

/**
 * Replays the account events (created, role changed, password reset) and compares the result with the users
 * table: an account added, promoted or given a known password directly in the database, behind the audit
 * trail, is named.
 */
export function verifyAccounts(db: Db, events: readonly AuditEvent[]): AuditProblem[] {
  let rows: { id: string; name: string; role: string; password_hash: string }[];
  try {
    rows = db.prepare('SELECT id, name, role, password_hash FROM users ORDER BY rowid').all() as typeof rows;
  } catch {
    return []; // a database without the users table has no accounts to check
  }
  const expected = new Map<string, { role?: string; passwordDigest?: string }>();
  for (const e of events) {
    if (e.entityType !== 'user' || e.entityId === null) continue;
    const next = e.payload['new'] as { role?: string; passwordDigest?: string } | undefined;
    if (next === undefined) continue;
    const state = expected.get(e.entityId) ?? {};
    if (e.action === 'user.create' || e.action === 'user.role.change') state.role = next.role ?? state.role;
    if (next.passwordDigest !== undefined) state.passwordDigest = next.passwordDigest;
    if (e.action === 'user.create' || expected.has(e.entityId)) expected.set(e.entityId, state);
  }
  const problems: AuditProblem[] = [];
  for (const row of rows) {
    const state = expected.get(row.id);
    const problem = (what: string): void => {
      problems.push({
        kind: 'account-altered',
        message: `account "${row.name}" ${what}: changed outside the application`,
      });
    };
    if (state === undefined) problem('has no creation event in the audit trail');
    else if (state.role !== row.role)
      problem(`has role ${row.role}, but the audit trail says ${String(state.role)}`);
    else if (state.passwordDigest !== undefined && state.passwordDigest !== sha256Hex(row.password_hash))
      problem('has a password hash that no audited reset set');
  }
  return problems;
}
