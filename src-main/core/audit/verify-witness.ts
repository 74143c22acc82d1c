import type { Workspace } from '../store/workspace.js';
import { checkpointSignatureValid, treeRootOf, type SignedCheckpoint } from './checkpoint.js';
import type { AuditProblem } from './verify.js';
import { readWitness, witnessPath, type Witness } from './witness.js';

/**
 * Checks the trail against the witness kept outside the database: the witnessed checkpoint must verify with a
 * key of this trail, the events it covers must still be there and unchanged, and the database must still hold
 * a checkpoint at least as far. What the database alone cannot show (an earlier checkpoint left standing after
 * the tail and its checkpoints were deleted, or every checkpoint deleted) shows here.
 */
export function verifyWitness(
  workspace: Workspace,
  hashes: readonly string[],
  checkpoints: readonly SignedCheckpoint[],
  keys: ReadonlyMap<string, string>,
): { problems: AuditProblem[]; warnings: string[]; witness: Witness['checkpoint'] | null; file: string } {
  const file = witnessPath(workspace.home);
  const problems: AuditProblem[] = [];
  const warnings: string[] = [];
  let witness: Witness | undefined;
  try {
    witness = readWitness(workspace.home);
  } catch (error) {
    problems.push({
      kind: 'witness-unreadable',
      file,
      message: `the witness of the latest checkpoint is unreadable (${(error as Error).message}): ${file}`,
    });
    return { problems, warnings, witness: null, file };
  }
  if (witness === undefined) {
    if (checkpoints.length > 0)
      warnings.push(
        `no witness of the latest checkpoint outside the database (${file}): run \`attest audit checkpoint\` to write one`,
      );
    return { problems, warnings, witness: null, file };
  }
  const cp = witness.checkpoint;
  const label = `the witness (${cp.treeSize} events, signed ${cp.createdAt}, ${file})`;
  const add = (kind: AuditProblem['kind'], message: string): void => {
    problems.push({ kind, file, message });
  };
  const pem = keys.get(cp.keyId);
  if (pem === undefined)
    add('witness-key-unknown', `${label} is signed by key ${cp.keyId.slice(0, 16)}, unknown to this trail`);
  else if (!checkpointSignatureValid(cp, pem))
    add(
      'witness-signature-invalid',
      `${label}: its signature does not verify with installation key ${cp.keyId.slice(0, 16)}`,
    );
  const latest = checkpoints[checkpoints.length - 1];
  if (latest === undefined)
    add(
      'checkpoints-deleted',
      `every signed checkpoint is gone from the database, but ${label} shows that they existed: they were deleted`,
    );
  else if (latest.treeSize < cp.treeSize)
    add(
      'checkpoints-deleted',
      `the latest checkpoint in the database covers ${latest.treeSize} events, but ${label} covers ${cp.treeSize}: newer checkpoints were deleted`,
    );
  else if (latest.treeSize > cp.treeSize)
    warnings.push(
      `the witness outside the database covers ${cp.treeSize} events, the latest checkpoint ${latest.treeSize}: it could not be updated (${file}); run \`attest audit checkpoint\``,
    );
  if (cp.treeSize > hashes.length)
    add(
      'witness-beyond-log',
      `${label} covers ${cp.treeSize} events but the log holds ${hashes.length}: the newest events were deleted`,
    );
  else if (treeRootOf(hashes.slice(0, cp.treeSize)) !== cp.rootHash)
    add(
      'witness-root-mismatch',
      `${label}: the Merkle tree head over the first ${cp.treeSize} events is not the witnessed one: events were changed, removed or reordered`,
    );
  return { problems, warnings, witness: cp, file };
}
