import type { Db } from '../store/database.js';
import type { AuditEvent } from './event-hash.js';
import type { AuditProblem } from './verify.js';
import { listSignatures, signatureStatus } from './signatures.js';

/**
 * Each signature row must match the audit event written with it (meaning, signer, record hash), and the
 * signed record must still be the version that was signed.
 */
export function verifySignatures(
  db: Db,
  events: readonly AuditEvent[],
): { summary: { count: number; valid: number }; problems: AuditProblem[] } {
  const problems: AuditProblem[] = [];
  const byId = new Map(events.map((e) => [e.id, e]));
  let valid = 0;
  const signatures = listSignatures(db);
  for (const sig of signatures) {
    const event = byId.get(sig.eventId);
    const result = event?.payload.result as Record<string, unknown> | undefined;
    const matches =
      event !== undefined &&
      event.action === 'record.sign' &&
      event.entityId === sig.entityId &&
      result?.['signatureId'] === sig.id &&
      result['meaning'] === sig.meaning &&
      result['recordSha256'] === sig.recordSha256 &&
      result['userName'] === sig.userName &&
      result['printedName'] === sig.printedName &&
      result['signedAt'] === sig.signedAt;
    if (!matches) {
      problems.push({
        kind: 'signature-altered',
        message: `signature ${sig.id} (${sig.meaning} by ${sig.printedName}) does not match the audit event recorded when it was made`,
        ...(event !== undefined ? { seq: event.seq, eventId: event.id } : {}),
      });
      continue;
    }
    const status = signatureStatus(db, sig);
    if (status !== 'valid') {
      problems.push({
        kind: 'signed-record-altered',
        message: `${sig.entityType} ${sig.entityId} signed ${sig.meaning} by ${sig.printedName} ${status === 'record-missing' ? 'no longer exists' : 'was changed after it was signed (its SHA-256 differs)'}`,
      });
      continue;
    }
    valid++;
  }
  const stored = new Set(signatures.map((s) => s.id));
  for (const event of events) {
    const id = (event.payload.result as { signatureId?: unknown } | undefined)?.signatureId;
    if (event.action === 'record.sign' && typeof id === 'string' && !stored.has(id))
      problems.push({
        kind: 'signature-altered',
        seq: event.seq,
        eventId: event.id,
        message: `signature ${id} recorded in event ${event.seq} is missing from the signatures`,
      });
  }
  return { summary: { count: signatures.length, valid }, problems };
}
