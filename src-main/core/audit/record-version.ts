import type { Db } from '../store/database.js';
import { AttestError } from '../errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Hex } from '../util/hash.js';

/**
 * The canonical version of a record that a signature binds: every stored field of the row (and, for a
 * validation, its metric rows and the SHA-256 of the model it validated), as canonical JSON. Any later change
 * to what was signed gives another SHA-256, and the signature then no longer matches the record.
 */
export type SignableType = 'validation' | 'model';

export interface RecordVersion {
  entityType: SignableType;
  entityId: string;
  canonical: string;
  sha256: string;
}

export function recordVersion(db: Db, entityType: SignableType, entityId: string): RecordVersion {
  const value = entityType === 'validation' ? validationRecord(db, entityId) : modelRecord(db, entityId);
  const canonical = canonicalJson(value);
  return { entityType, entityId, canonical, sha256: sha256Hex(canonical) };
}

function validationRecord(db: Db, id: string): unknown {
  const row = db.prepare('SELECT * FROM validations WHERE id = ?').get(id) as
    Record<string, unknown> | undefined;
  if (row === undefined) throw new AttestError('NOT_FOUND', `no validation with id ${id}`);
  const metrics = db
    .prepare('SELECT suite, name, value, params_json FROM metrics WHERE validation_id = ? ORDER BY id')
    .all(id) as { suite: string; name: string; value: number | null; params_json: string }[];
  const model = db.prepare('SELECT id, artifact_sha256 FROM models WHERE id = ?').get(row['model_id']) as
    { id: string; artifact_sha256: string } | undefined;
  return {
    format: 'attest-record/1',
    type: 'validation',
    validation: { ...row, result_json: JSON.parse(String(row['result_json'])) as unknown },
    metrics: metrics.map((m) => ({ ...m, params_json: JSON.parse(m.params_json) as unknown })),
    model: model ?? null,
  };
}

function modelRecord(db: Db, id: string): unknown {
  const row = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  if (row === undefined) throw new AttestError('NOT_FOUND', `no model with id ${id}`);
  return {
    format: 'attest-record/1',
    type: 'model',
    model: {
      ...row,
      config_json: JSON.parse(String(row['config_json'])) as unknown,
      summary_json: JSON.parse(String(row['summary_json'])) as unknown,
    },
  };
}
