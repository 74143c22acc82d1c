import type { Db } from '../store/database.js';
import { insertModel, type ModelRow } from '../store/models.js';
import { appendAuditEvent, type NewAuditEvent } from '../audit/log.js';

/** A stored record's audit event: what was done and its payload (the entity is the stored record itself). */
export type RecordEvent = Omit<NewAuditEvent, 'entityType' | 'entityId'>;

/**
 * Stores a model and its audit event in one transaction. `alongside` (the model's measurements, its validation)
 * runs inside the same transaction, between the two: a crash or a refusal leaves all of it or none of it.
 */
export function persistModel(db: Db, model: ModelRow, event: RecordEvent, alongside?: () => void): void {
  db.transaction(() => {
    insertModel(db, model);
    alongside?.();
    appendAuditEvent(db, { ...event, entityType: 'model', entityId: model.id });
  })();
}
