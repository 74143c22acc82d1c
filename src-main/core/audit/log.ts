import { userInfo } from 'node:os';
import type { Db } from '../store/database.js';
import { newId, utcNow } from '../util/ids.js';
import { canonicalJson } from '../util/canonical-json.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent, type AuditPayload } from './event-hash.js';

interface AuditRow {
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

/** Until local user accounts exist, the actor is the operating-system account that ran the action. */
export function currentActor(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return 'os:unknown';
  }
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
export function appendAuditEvent(db: Db, event: NewAuditEvent): AuditEvent {
  if (!db.inTransaction) throw new Error('appendAuditEvent must run inside the transaction of the change');
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
    payload: JSON.parse(canonicalJson(event.payload)) as AuditPayload,
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
