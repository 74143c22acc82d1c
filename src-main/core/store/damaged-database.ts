import { AttestError } from '../errors.js';

/**
 * SQLite's answers for a file that is not (or no longer) a sound database: a page overwritten, the file cut
 * short, or something else under the name. Not a program fault, so not a stack trace: the person at the
 * keyboard needs to know the file is damaged and that a backup is the way back.
 */
const DAMAGE_CODES = /^SQLITE_(CORRUPT|NOTADB)/;

export function isDatabaseDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DAMAGE_CODES.test(code);
}

/** A damage error as a verification failure (exit 3) naming the file; any other error unchanged. */
export function asDamagedDatabase(error: unknown, path: string | undefined): unknown {
  if (!isDatabaseDamage(error)) return error;
  return new AttestError(
    'VERIFY_FAILED',
    `the database file is damaged (${(error as Error).message}): restore it from a backup; ` +
      'nothing was changed',
    { ...(path !== undefined ? { file: path } : {}), cause: error },
  );
}
