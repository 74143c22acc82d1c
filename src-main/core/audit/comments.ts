import type { Db } from '../store/database.js';
import type { Workspace } from '../store/workspace.js';
import { badInput } from '../errors.js';
import { appendAuditEvent, listAuditEvents } from './log.js';
import type { AuditEvent } from './event-hash.js';
import { recordVersion, type SignableType } from './record-version.js';

/**
 * A reviewer's comment on a validation or a model. Comments are audit events and nothing else: they are kept in
 * the hash chain (never edited, never removed; a correction is a later comment), carry who wrote them and when,
 * and the SHA-256 of the record version they were written against, so a report can say when a comment predates
 * a change of the record.
 */
export const COMMENT_ACTION = 'record.comment';
export const MAX_COMMENT_CHARACTERS = 4000;

export interface RecordComment {
  eventSeq: number;
  entityType: SignableType;
  entityId: string;
  actor: string;
  at: string;
  text: string;
  recordSha256: string;
}

/** Trimmed text of 1 to 4,000 characters; line breaks and tabs kept, other control characters refused. */
function checkedText(text: string): string {
  const trimmed = text.replace(/\r\n?/g, '\n').trim();
  if (trimmed === '') throw badInput('a comment needs some text');
  if (trimmed.length > MAX_COMMENT_CHARACTERS)
    throw badInput(
      `a comment holds at most ${MAX_COMMENT_CHARACTERS} characters, this one has ${trimmed.length}: split it`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed))
    throw badInput('a comment may not hold control characters (line breaks and tabs are kept)');
  return trimmed;
}

/** Adds a comment (the record must exist); returns it as stored in the trail. */
export function addComment(
  workspace: Workspace,
  comment: { entityType: SignableType; entityId: string; text: string },
): RecordComment {
  const text = checkedText(comment.text);
  const event = workspace.db
    .transaction(() => {
      const version = recordVersion(workspace.db, comment.entityType, comment.entityId);
      return appendAuditEvent(workspace.db, {
        action: COMMENT_ACTION,
        entityType: comment.entityType,
        entityId: comment.entityId,
        payload: { text, recordSha256: version.sha256 },
      });
    })
    .immediate();
  return commentOf(event) as RecordComment;
}

function commentOf(event: AuditEvent): RecordComment | undefined {
  if (event.action !== COMMENT_ACTION || event.entityId === null) return undefined;
  const { text, recordSha256 } = event.payload;
  if (typeof text !== 'string' || typeof recordSha256 !== 'string') return undefined;
  return {
    eventSeq: event.seq,
    entityType: event.entityType === 'model' ? 'model' : 'validation',
    entityId: event.entityId,
    actor: event.actor,
    at: event.at,
    text,
    recordSha256,
  };
}

/** The comments of the given records (all when none is given), oldest first. */
export function listComments(db: Db, entityIds?: readonly string[]): RecordComment[] {
  const events =
    entityIds === undefined
      ? listAuditEvents(db)
      : entityIds.flatMap((id) => listAuditEvents(db, { entityId: id })).sort((a, b) => a.seq - b.seq);
  return events.map(commentOf).filter((c): c is RecordComment => c !== undefined);
}

/** Whether the record changed after the comment was written (its version's SHA-256 differs). */
export function commentOnCurrentVersion(db: Db, comment: RecordComment): boolean {
  try {
    return recordVersion(db, comment.entityType, comment.entityId).sha256 === comment.recordSha256;
  } catch {
    return false;
  }
}
