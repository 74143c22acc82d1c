import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { badInput } from '../errors.js';

/** Writes beside the target and renames, so that an interrupted run never leaves a half file to be trusted. */
export function writeOutputFile(path: string, bytes: Uint8Array | string): string {
  const target = resolve(path);
  const partial = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    writeFileSync(partial, bytes, { flag: 'wx' });
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw badInput(`cannot write the output: ${(error as Error).message}`, target);
  }
  return target;
}
