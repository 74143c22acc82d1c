import type { Db } from '../store/database.js';
import { insertValidation, type MetricRowInput, type ValidationRow } from '../store/validations.js';
import { appendAuditEvent } from '../audit/log.js';
import type { RecordEvent } from './persist-model.js';

/** Stores a validation, its metric rows and its audit event in one transaction. */
export function persistValidation(
  db: Db,
  validation: ValidationRow,
  metrics: MetricRowInput[],
  event: RecordEvent,
): void {
  db.transaction(() => {
    insertValidation(db, validation, metrics);
    appendAuditEvent(db, { ...event, entityType: 'validation', entityId: validation.id });
  })();
}
