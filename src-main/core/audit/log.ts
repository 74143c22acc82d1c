import { AsyncLocalStorage } from 'node:async_hooks';
import { userInfo } from 'node:os';
import { AttestError } from '../errors.js';
import type { Db } from '../store/database.js';
import { isPostgres } from '../store/postgres/migrate-postgres.js';
import { AUDIT_APPEND_LOCK } from '../store/postgres/locks.js';
import { newId, utcNow } from '../util/ids.js';
import { canonicalJson } from '../util/canonical-json.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent, type AuditPayload } from './event-hash.js';

export interface AuditRow {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  payload_json: string;
  prev_hash: string;
  hash: string;
}

/** The operating-system account that runs the process: the actor while no local user accounts exist. */
export function osActor(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return 'os:unknown';
  }
}

/**
 * Who is acting: the user of the surrounding `runAsActor` call (a server request, a UI session), else the user
 * the CLI signed in for this process, else the operating-system account.
 */
const scopedActor = new AsyncLocalStorage<string>();
let processActor: string | undefined;

export function currentActor(): string {
  return scopedActor.getStore() ?? processActor ?? osActor();
}

/** The signed-in user's actor (`user:NAME`), or undefined when nobody signed in. */
export function signedInActor(): string | undefined {
  return scopedActor.getStore() ?? processActor;
}

export function setProcessActor(actor: string | undefined): void {
  processActor = actor;
}

/** A reason given for the whole command (`attest --reason TEXT ...`), recorded in each event it writes. */
let processReason: string | undefined;

export function setProcessReason(reason: string | undefined): void {
  processReason = reason;
}

export function runAsActor<T>(actor: string, fn: () => T): T {
  return scopedActor.run(actor, fn);
}

/**
 * The desk an event comes from on a site (the remote host of the request, or the worker's host), recorded in
 * each event appended in its scope as `desk`: a site's trail says where, as well as who.
 */
const scopedDesk = new AsyncLocalStorage<string>();
let processDesk: string | undefined;

export function setProcessDesk(desk: string | undefined): void {
  processDesk = desk;
}

export function runAtDesk<T>(desk: string, fn: () => T): T {
  return scopedDesk.run(desk, fn);
}

/**
 * True once the installation has local user accounts: from then on every change needs a signed-in user. The
 * audit trail decides as well as the users table: once it records an account event, deleting the account rows
 * does not bring back the anonymous first setup. Any SQLite error answers true (fail closed): an unreadable
 * table must not let changes through unsigned.
 */
export function hasUsers(db: Db): boolean {
  try {
    if (db.prepare('SELECT 1 FROM users LIMIT 1').get() !== undefined) return true;
    return hasAccountEvents(db);
  } catch {
    return true;
  }
}

/** Whether the audit trail records any account event (created, changed, signed in, locked). */
export function hasAccountEvents(db: Db): boolean {
  return db.prepare("SELECT 1 FROM audit_events WHERE entity_type = 'user' LIMIT 1").get() !== undefined;
}

export interface NewAuditEvent {
  action: string;
  entityType?: string;
  entityId?: string;
  payload: AuditPayload;
  actor?: string;
}

/**
 * Appends one event. Call it inside the same transaction as the change it records, so that a crash can never
 * leave the change without its event or the event without its change.
 */
/** The event's payload with the command's reason and the desk it comes from, unless it says them itself. */
function withContext(payload: AuditPayload): AuditPayload {
  const desk = scopedDesk.getStore() ?? processDesk;
  return {
    ...payload,
    ...(processReason !== undefined && payload.reason === undefined ? { reason: processReason } : {}),
    ...(desk !== undefined && payload.desk === undefined ? { desk } : {}),
  };
}

export function appendAuditEvent(db: Db, event: NewAuditEvent): AuditEvent {
  if (!db.inTransaction) throw new Error('appendAuditEvent must run inside the transaction of the change');
  // Once accounts exist, an anonymous change is refused; inside the transaction, so the change rolls back too.
  if (event.actor === undefined && signedInActor() === undefined && hasUsers(db))
    throw new AttestError(
      'BAD_INPUT',
      'this installation has user accounts: run the command as a user (attest --user NAME ..., password from ' +
        'ATTEST_PASSWORD or standard input)',
    );
  // SQLite's write transaction already excludes other writers; on PostgreSQL, writers run side by side, so the
  // head is read and the next event written under a lock held to the end of the transaction: one linear chain.
  if (isPostgres(db)) db.prepare('SELECT pg_advisory_xact_lock(?)').get(AUDIT_APPEND_LOCK);
  const head = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as
    { seq: number; hash: string } | undefined;
  const unhashed: Omit<AuditEvent, 'hash'> = {
    seq: (head?.seq ?? 0) + 1,
    id: newId('ev'),
    at: utcNow(),
    actor: event.actor ?? currentActor(),
    action: event.action,
    entityType: event.entityType ?? null,
    entityId: event.entityId ?? null,
    // Round-trip through canonical JSON so that what is hashed is exactly what is stored and read back.
    payload: JSON.parse(canonicalJson(withContext(event.payload))) as AuditPayload,
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  const full: AuditEvent = { ...unhashed, hash: computeEventHash(unhashed) };
  db.prepare(
    `INSERT INTO audit_events (seq, id, at, actor, action, entity_type, entity_id, payload_json, prev_hash, hash)
     VALUES (@seq, @id, @at, @actor, @action, @entityType, @entityId, @payloadJson, @prevHash, @hash)`,
  ).run({ ...full, payloadJson: canonicalJson(full.payload) });
  return full;
}

export function listAuditEvents(db: Db, options: { entityId?: string } = {}): AuditEvent[] {
  const rows = (
    options.entityId !== undefined
      ? db.prepare('SELECT * FROM audit_events WHERE entity_id = ? ORDER BY seq').all(options.entityId)
      : db.prepare('SELECT * FROM audit_events ORDER BY seq').all()
  ) as AuditRow[];
  return rows.map(rowToEvent);
}

export function auditHead(db: Db): { seq: number; hash: string } | undefined {
  return db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as
    { seq: number; hash: string } | undefined;
}

export function rowToEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    payload: JSON.parse(row.payload_json) as AuditPayload,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
