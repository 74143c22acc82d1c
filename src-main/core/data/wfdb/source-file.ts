import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { badInput } from '../../errors.js';

/** A file that an import read, as recorded in the audit trail. */
export interface SourceFile {
  path: string;
  size: number;
  sha256: string;
}

/**
 * Reads a whole input file and hashes it, turning every file-system failure into a bad-input error that names
 * the file. `maxBytes` refuses files far larger than the kind ever is (a 50 MB "header") before reading them.
 */
export function readSourceFile(
  path: string,
  what: string,
  maxBytes = Number.MAX_SAFE_INTEGER,
): { bytes: Uint8Array; source: SourceFile } {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw badInput(`expected the ${what}, found a folder`, path);
    size = stat.size;
  } catch (error) {
    throw describeFsError(error, path, what);
  }
  if (size > maxBytes)
    throw badInput(
      `the ${what} is ${size} bytes, more than the ${maxBytes} such a file can sensibly hold`,
      path,
    );
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw describeFsError(error, path, what);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, source: { path, size: bytes.byteLength, sha256 } };
}

function describeFsError(error: unknown, path: string, what: string): Error {
  if (error instanceof Error && error.name === 'AttestError') return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return badInput(`the ${what} does not exist`, path);
  if (code === 'EACCES' || code === 'EPERM')
    return badInput(`the ${what} cannot be read (permission denied)`, path);
  if (code === 'EISDIR') return badInput(`expected the ${what}, found a folder`, path);
  return badInput(`the ${what} cannot be read (${code ?? String(error)})`, path);
}
