import type { Db } from '../store/database.js';
import { isPostgres } from '../store/postgres/migrate-postgres.js';
import { sha256Hex } from '../util/hash.js';
import type { AuditEvent } from './event-hash.js';
import type { AuditProblem } from './verify.js';

/** An account as the audit trail says it must be: every field that only an audited action may change. */
export interface ReplayedAccount {
  id: string;
  name?: string;
  printedName?: string;
  role?: string;
  passwordDigest?: string;
  locked: boolean;
}

/**
 * The accounts replayed from the audit trail: created (name, printed name, role, password digest), role
 * changed, password reset (which unlocks) or changed, locked after wrong passwords. Sign-in failures below the
 * limit are not replayed: a correct password clears that count without an event.
 */
export function replayAccounts(events: readonly AuditEvent[]): Map<string, ReplayedAccount> {
  const accounts = new Map<string, ReplayedAccount>();
  for (const e of events) {
    if (e.entityType !== 'user' || e.entityId === null) continue;
    const next = (e.payload['new'] ?? {}) as {
      name?: string;
      printedName?: string;
      role?: string;
      passwordDigest?: string;
    };
    if (e.action === 'user.create') {
      accounts.set(e.entityId, {
        id: e.entityId,
        ...(next.name !== undefined ? { name: next.name } : {}),
        ...(next.printedName !== undefined ? { printedName: next.printedName } : {}),
        ...(next.role !== undefined ? { role: next.role } : {}),
        ...(next.passwordDigest !== undefined ? { passwordDigest: next.passwordDigest } : {}),
        locked: false,
      });
      continue;
    }
    const state = accounts.get(e.entityId);
    if (state === undefined) continue; // an event for an account the trail never created: reported by the row check
    if (e.action === 'user.role.change' && next.role !== undefined) state.role = next.role;
    if (next.passwordDigest !== undefined) state.passwordDigest = next.passwordDigest;
    if (e.action === 'user.password.reset') state.locked = false;
    if (e.action === 'user.locked') state.locked = true;
  }
  return accounts;
}

interface UserTableRow {
  id: string;
  name: string;
  printed_name: string;
  role: string;
  password_hash: string;
  locked: number;
}

/**
 * Compares the users table with the accounts replayed from the audit trail: an account added, deleted,
 * renamed, promoted, unlocked or given a known password directly in the database, behind the audit trail, is
 * named.
 */
export function verifyAccounts(db: Db, events: readonly AuditEvent[]): AuditProblem[] {
  // In the order the accounts were created: SQLite's rowid; PostgreSQL has none, the creation time stands in.
  const order = isPostgres(db) ? 'created_at, id' : 'rowid';
  const rows = db
    .prepare(`SELECT id, name, printed_name, role, password_hash, locked FROM users ORDER BY ${order}`)
    .all() as UserTableRow[];
  const expected = replayAccounts(events);
  const problems: AuditProblem[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    const state = expected.get(row.id);
    const problem = (what: string): void => {
      problems.push({
        kind: 'account-altered',
        message: `account "${row.name}" ${what}: changed outside the application`,
      });
    };
    if (state === undefined) {
      problem('has no creation event in the audit trail');
      continue;
    }
    if (state.name !== undefined && state.name.toLowerCase() !== row.name.toLowerCase())
      problem(`is named "${row.name}", but the audit trail created it as "${state.name}"`);
    if (state.printedName !== undefined && state.printedName !== row.printed_name)
      problem(`has the printed name "${row.printed_name}", but the audit trail says "${state.printedName}"`);
    if (state.role !== row.role)
      problem(`has role ${row.role}, but the audit trail says ${String(state.role)}`);
    if (state.passwordDigest !== undefined && state.passwordDigest !== sha256Hex(row.password_hash))
      problem('has a password hash that no audited reset set');
    if (state.locked && row.locked === 0)
      problem('is unlocked, but the audit trail locked it and no audited password reset unlocked it');
    if (!state.locked && row.locked !== 0) problem('is locked, but the audit trail never locked it');
  }
  for (const [id, state] of expected) {
    if (seen.has(id)) continue;
    problems.push({
      kind: 'account-deleted',
      message: `account "${state.name ?? id}" (${id}) is in the audit trail but missing from the users table: deleted outside the application`,
    });
  }
  return problems;
}
