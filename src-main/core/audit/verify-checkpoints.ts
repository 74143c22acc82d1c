import { existsSync, readFileSync } from 'node:fs';
import type { Workspace } from '../store/workspace.js';
import type { AuditEvent } from './event-hash.js';
import type { AuditProblem } from './verify.js';
import {
  checkpointSignatureValid,
  listCheckpoints,
  publicKeys,
  treeRootOf,
  type SignedCheckpoint,
} from './checkpoint.js';
import { keyFilePath, keyIdOf } from './installation-key.js';

export type { SignedCheckpoint };

/**
 * Checks every signed checkpoint against the events: the tree head over the first treeSize events must be the
 * one that was signed, the signature must verify with a key that the trail itself announced, and the key file
 * must still hold that key.
 */
export function verifyCheckpoints(
  workspace: Workspace,
  hashes: readonly string[],
  events: readonly AuditEvent[],
): {
  tree: { size: number; root: string };
  summary: { count: number; latest: Omit<SignedCheckpoint, 'signature'> | null; eventsAfterLatest: number };
  keys: string[];
  problems: AuditProblem[];
  warnings: string[];
} {
  const problems: AuditProblem[] = [];
  const warnings: string[] = [];
  const keys = publicKeys(workspace.db);
  const announced = new Map<string, string>();
  for (const e of events) {
    if (e.action !== 'audit.key.create') continue;
    const result = e.payload.result as { keyId?: string; publicKeyPem?: string } | undefined;
    if (result?.keyId !== undefined && result.publicKeyPem !== undefined)
      announced.set(result.keyId, result.publicKeyPem);
  }
  for (const [keyId, pem] of keys) {
    let actualId: string;
    try {
      actualId = keyIdOf(pem);
    } catch {
      actualId = 'unreadable';
    }
    if (actualId !== keyId || announced.get(keyId) !== pem)
      problems.push({
        kind: 'key-not-announced',
        message: `public key ${keyId.slice(0, 16)} in the database is not the key announced in the audit trail: it was replaced`,
      });
  }
  const keyFile = keyFilePath(workspace.home);
  if (existsSync(keyFile)) {
    try {
      const file = JSON.parse(readFileSync(keyFile, 'utf8')) as { publicKeyPem?: string };
      const id = keyIdOf(String(file.publicKeyPem));
      if (!keys.has(id))
        problems.push({
          kind: 'key-file-mismatch',
          file: keyFile,
          message: `the installation key file holds key ${id.slice(0, 16)}, which this trail never announced: it was replaced`,
        });
    } catch {
      problems.push({
        kind: 'key-file-mismatch',
        file: keyFile,
        message: `the installation key file is unreadable: ${keyFile}`,
      });
    }
  }

  const checkpoints = listCheckpoints(workspace.db);
  for (const cp of checkpoints) {
    const label = `checkpoint ${cp.id} (${cp.treeSize} events, ${cp.createdAt})`;
    const pem = keys.get(cp.keyId);
    if (pem === undefined) {
      problems.push({
        kind: 'key-unknown',
        message: `${label} is signed by key ${cp.keyId.slice(0, 16)}, unknown to this trail`,
      });
    } else if (!checkpointSignatureValid(cp, pem)) {
      problems.push({
        kind: 'checkpoint-signature-invalid',
        message: `${label}: its Ed25519 signature does not verify with installation key ${cp.keyId.slice(0, 16)}`,
      });
    }
    if (cp.treeSize > hashes.length) {
      problems.push({
        kind: 'checkpoint-beyond-log',
        message: `${label} signed ${cp.treeSize} events but the log holds ${hashes.length}: events were deleted`,
      });
      continue;
    }
    if (treeRootOf(hashes.slice(0, cp.treeSize)) !== cp.rootHash)
      problems.push({
        kind: 'checkpoint-root-mismatch',
        message: `${label}: the Merkle tree head over the first ${cp.treeSize} events is not the signed one: events were changed, removed or reordered`,
      });
    if ((hashes[cp.treeSize - 1] ?? '0'.repeat(64)) !== cp.headHash)
      problems.push({
        kind: 'checkpoint-head-mismatch',
        seq: cp.treeSize,
        message: `${label}: event ${cp.treeSize} is not the chain head that was signed`,
      });
  }
  const latest = checkpoints[checkpoints.length - 1];
  const after = hashes.length - (latest?.treeSize ?? 0);
  if (latest === undefined && hashes.length > 0)
    warnings.push(
      'no signed checkpoint yet: run `attest audit checkpoint` so that removing the newest events is detectable',
    );
  else if (after > 0)
    warnings.push(`${after} events after the latest signed checkpoint (run \`attest audit checkpoint\`)`);
  let summaryLatest: Omit<SignedCheckpoint, 'signature'> | null = null;
  if (latest !== undefined) {
    const { signature: _signature, ...rest } = latest;
    summaryLatest = rest;
  }
  return {
    tree: { size: hashes.length, root: treeRootOf(hashes) },
    summary: { count: checkpoints.length, latest: summaryLatest, eventsAfterLatest: Math.max(0, after) },
    keys: [...keys.keys()],
    problems,
    warnings,
  };
}
