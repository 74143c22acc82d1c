import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SignedCheckpoint } from './checkpoint.js';

/**
 * The witness: a copy of the latest signed checkpoint kept outside the database, so that deleting the newest
 * events together with the checkpoints that cover them (and the triggers that forbid it) no longer leaves an
 * earlier checkpoint that still verifies. It lives in the per-user configuration folder, beside the home but
 * not in it (`ATTEST_WITNESS_DIR` moves it, e.g. to a share the operators cannot write); one file per home,
 * named after the home's path. Reports and audit bundles carry the same checkpoint out of the machine.
 */
export interface Witness {
  format: 'attest-witness/1';
  home: string;
  checkpoint: SignedCheckpoint;
}

export function witnessDir(): string {
  const explicit = process.env['ATTEST_WITNESS_DIR'];
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const home = homedir();
  switch (process.platform) {
    case 'win32':
      return join(process.env['LOCALAPPDATA'] ?? join(home, 'AppData', 'Local'), 'Attest', 'witnesses');
    case 'darwin':
      return join(home, 'Library', 'Preferences', 'Attest', 'witnesses');
    default:
      return join(process.env['XDG_CONFIG_HOME'] ?? join(home, '.config'), 'attest', 'witnesses');
  }
}

function canonicalHome(home: string): string {
  try {
    return realpathSync(home);
  } catch {
    return resolve(home);
  }
}

export function witnessPath(home: string): string {
  const id = createHash('sha256').update(canonicalHome(home)).digest('hex').slice(0, 32);
  return join(witnessDir(), `${id}.json`);
}

/** The witness of this home, undefined when there is none; throws when the file is there but unreadable. */
export function readWitness(home: string): Witness | undefined {
  const path = witnessPath(home);
  if (!existsSync(path)) return undefined;
  const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Witness>;
  const cp = value.checkpoint;
  if (
    value.format !== 'attest-witness/1' ||
    cp === undefined ||
    !Number.isInteger(cp.treeSize) ||
    typeof cp.rootHash !== 'string' ||
    typeof cp.signature !== 'string' ||
    typeof cp.keyId !== 'string'
  )
    throw new Error('not an Attest witness file');
  return value as Witness;
}

/**
 * Records a newly signed checkpoint as the witness (never replacing a witness of a longer trail). Written
 * beside and renamed, so a crash leaves the old witness or the new one. Returns why it could not be written,
 * or null: the checkpoint itself stands either way.
 */
export function recordWitness(home: string, checkpoint: SignedCheckpoint): string | null {
  const path = witnessPath(home);
  try {
    let current: Witness | undefined;
    try {
      current = readWitness(home);
    } catch {
      current = undefined; // an unreadable witness is replaced by a sound one
    }
    if (current !== undefined && current.checkpoint.treeSize > checkpoint.treeSize) return null;
    mkdirSync(witnessDir(), { recursive: true, mode: 0o700 });
    const witness: Witness = { format: 'attest-witness/1', home: canonicalHome(home), checkpoint };
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, `${JSON.stringify(witness, null, 2)}\n`, { mode: 0o600 });
    renameSync(partial, path);
    return null;
  } catch (error) {
    return `the witness of the latest checkpoint could not be written to ${path}: ${(error as Error).message}`;
  }
}
