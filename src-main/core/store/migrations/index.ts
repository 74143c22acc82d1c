import { migration0010 } from './0010-initial.js';
import { migration0020 } from './0020-users-signatures.js';
import { migration0030 } from './0030-model-measurements.js';
import { migration0040 } from './0040-method-comparisons.js';
import { migration0050 } from './0050-projects.js';
import { migration0060 } from './0060-job-queue.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** The PostgreSQL text, only where translating `sql` would be unsound (see store/postgres/translate-migration.ts). */
  postgres?: string;
}

/**
 * Every migration in order; versions go in steps of 10. Each is applied once by version, even one numbered
 * below the database's `PRAGMA user_version` (see the ledger in database.ts).
 */
export const MIGRATIONS: readonly Migration[] = [
  migration0010,
  migration0020,
  migration0030,
  migration0040,
  migration0050,
  migration0060,
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
