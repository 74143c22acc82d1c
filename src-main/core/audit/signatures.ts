import { randomBytes } from 'node:crypto';
import type { Workspace } from '../store/workspace.js';
import type { Db } from '../store/database.js';
import { badInput } from '../errors.js';
import { utcNow } from '../util/ids.js';
import { appendAuditEvent } from './log.js';
import { authenticate, actorOf, type PasswordVerdict } from './users.js';
import { recordVersion, type SignableType } from './record-version.js';
import { checkpointAfterChange } from './checkpoint.js';

/**
 * Electronic signatures (21 CFR 11.50, 11.70, 11.200): the signer's printed name, the date and time (UTC) and
 * the meaning are stored with the SHA-256 of the exact record version signed; the user name and password are
 * both entered at the moment of signing; the signature is an audit event in the same transaction, and a signed
 * checkpoint is made right after, so that the signature cannot be removed or moved to another record unseen.
 */
export const MEANINGS = ['reviewed', 'approved', 'rejected'] as const;
export type Meaning = (typeof MEANINGS)[number];

export interface SignatureRow {
  id: string;
  entityType: SignableType;
  entityId: string;
  recordSha256: string;
  meaning: Meaning;
  userId: string;
  userName: string;
  printedName: string;
  role: string;
  reason: string | null;
  signedAt: string;
  eventId: string;
}

interface SignatureDbRow {
  id: string;
  entity_type: SignableType;
  entity_id: string;
  record_sha256: string;
  meaning: Meaning;
  user_id: string;
  user_name: string;
  printed_name: string;
  role: string;
  reason: string | null;
  signed_at: string;
  event_id: string;
}

function toSignature(r: SignatureDbRow): SignatureRow {
  return {
    id: r.id,
    entityType: r.entity_type,
    entityId: r.entity_id,
    recordSha256: r.record_sha256,
    meaning: r.meaning,
    userId: r.user_id,
    userName: r.user_name,
    printedName: r.printed_name,
    role: r.role,
    reason: r.reason,
    signedAt: r.signed_at,
    eventId: r.event_id,
  };
}

export function parseMeaning(text: string): Meaning {
  if (!(MEANINGS as readonly string[]).includes(text))
    throw badInput(`unknown signature meaning "${text}" (one of ${MEANINGS.join(', ')})`);
  return text as Meaning;
}

export function signRecord(
  workspace: Workspace,
  input: {
    entityType: SignableType;
    entityId: string;
    meaning: Meaning;
    userName: string;
    password: string;
    reason?: string;
  },
  verdict?: PasswordVerdict,
): SignatureRow & { checkpointWarning: string | null } {
  const db = workspace.db;
  // Both components again, whatever session the caller may have: the signing is its own act.
  const user = authenticate(db, input.userName, input.password, verdict);
  if (user.role === 'operator')
    throw badInput(`user "${user.name}" is an operator: signing needs a reviewer or an administrator`);
  const id = `sig-${randomBytes(6).toString('hex')}`;
  const signature = db.transaction(() => {
    const version = recordVersion(db, input.entityType, input.entityId);
    const signedAt = utcNow();
    const event = appendAuditEvent(db, {
      action: 'record.sign',
      entityType: input.entityType,
      entityId: input.entityId,
      actor: actorOf(user),
      payload: {
        result: {
          signatureId: id,
          meaning: input.meaning,
          recordSha256: version.sha256,
          printedName: user.printedName,
          userName: user.name,
          role: user.role,
          signedAt,
        },
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      },
    });
    db.prepare(
      `INSERT INTO signatures (id, entity_type, entity_id, record_sha256, meaning, user_id, user_name, printed_name,
         role, reason, signed_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.entityType,
      input.entityId,
      version.sha256,
      input.meaning,
      user.id,
      user.name,
      user.printedName,
      user.role,
      input.reason ?? null,
      signedAt,
      event.id,
    );
    return getSignature(db, id);
  })();
  return { ...signature, checkpointWarning: checkpointAfterChange(workspace).warning };
}

function getSignature(db: Db, id: string): SignatureRow {
  return toSignature(db.prepare('SELECT * FROM signatures WHERE id = ?').get(id) as SignatureDbRow);
}

export function listSignatures(db: Db, entityIds?: readonly string[]): SignatureRow[] {
  try {
    const rows = (
      db.prepare('SELECT * FROM signatures ORDER BY signed_at, id').all() as SignatureDbRow[]
    ).map(toSignature);
    return entityIds === undefined ? rows : rows.filter((s) => entityIds.includes(s.entityId));
  } catch {
    return []; // a database never migrated to 0020 has no signatures
  }
}

/** Whether the signed record is still the version that was signed. */
export function signatureStatus(
  db: Db,
  signature: SignatureRow,
): 'valid' | 'record-changed' | 'record-missing' {
  try {
    return recordVersion(db, signature.entityType, signature.entityId).sha256 === signature.recordSha256
      ? 'valid'
      : 'record-changed';
  } catch {
    return 'record-missing';
  }
}
