import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests keep the audit witnesses (src-main/core/audit/witness.ts) in a temporary folder of their own, never in
 * the user's configuration folder; child processes inherit the variable.
 */
const current = process.env['ATTEST_WITNESS_DIR'];
if (current === undefined || current === '')
  process.env['ATTEST_WITNESS_DIR'] = mkdtempSync(join(tmpdir(), 'attest-witnesses-'));
