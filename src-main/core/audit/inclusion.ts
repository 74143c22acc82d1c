import type { Workspace } from '../store/workspace.js';
import { AttestError } from '../errors.js';
import {
  checkpointSignatureValid,
  eventHashes,
  latestCheckpoint,
  publicKeys,
  type SignedCheckpoint,
} from './checkpoint.js';
import { consistencyProof, eventLeaf, inclusionProof, verifyConsistency, verifyInclusion } from './merkle.js';

/**
 * The RFC 6962 audit path of one event under the latest signed checkpoint: with the event's hash, the path and
 * the signed checkpoint, anyone can check that the event is in the trail (a signature, say) without the rest of
 * the log.
 */
export interface EventInclusion {
  seq: number;
  eventHash: string;
  leafIndex: number;
  treeSize: number;
  path: string[];
  checkpoint: SignedCheckpoint;
}

export function proveEventInclusion(workspace: Workspace, seq: number): EventInclusion {
  const checkpoint = latestCheckpoint(workspace.db);
  if (checkpoint === undefined)
    throw new AttestError('NOT_FOUND', 'no signed checkpoint yet: run `attest audit checkpoint` first');
  if (!Number.isInteger(seq) || seq < 1 || seq > checkpoint.treeSize)
    throw new AttestError(
      'NOT_FOUND',
      `event ${seq} is not covered by the latest checkpoint (events 1 to ${checkpoint.treeSize}); run \`attest audit checkpoint\``,
    );
  const leaves = eventHashes(workspace.db).slice(0, checkpoint.treeSize).map(eventLeaf);
  const path = inclusionProof(leaves, seq - 1);
  const eventHash = (leaves[seq - 1] as Buffer).toString('hex');
  if (
    !verifyInclusion(
      leaves[seq - 1] as Buffer,
      seq - 1,
      checkpoint.treeSize,
      path,
      Buffer.from(checkpoint.rootHash, 'hex'),
    )
  )
    throw new AttestError(
      'VERIFY_FAILED',
      `the events no longer match checkpoint ${checkpoint.id}: run \`attest audit verify\``,
    );
  return {
    seq,
    eventHash,
    leafIndex: seq - 1,
    treeSize: checkpoint.treeSize,
    path: path.map((p) => p.toString('hex')),
    checkpoint,
  };
}

export interface ConsistencyCheck {
  ok: boolean;
  message: string;
  from: { treeSize: number; rootHash: string; createdAt: string; signatureValid: boolean };
  to: { treeSize: number; rootHash: string; createdAt: string };
  proof: string[];
}

/**
 * Whether this trail is an append-only extension of an earlier signed checkpoint (kept by QA, sent to a
 * regulator): the earlier signature is checked with the installation keys, and an RFC 6962 consistency proof
 * from its tree size to the latest checkpoint is made and verified.
 */
export function checkConsistencySince(workspace: Workspace, earlier: SignedCheckpoint): ConsistencyCheck {
  const latest = latestCheckpoint(workspace.db);
  const pem = publicKeys(workspace.db).get(earlier.keyId);
  const signatureValid = pem !== undefined && checkpointSignatureValid(earlier, pem);
  const from = {
    treeSize: earlier.treeSize,
    rootHash: earlier.rootHash,
    createdAt: earlier.createdAt,
    signatureValid,
  };
  const to =
    latest !== undefined
      ? { treeSize: latest.treeSize, rootHash: latest.rootHash, createdAt: latest.createdAt }
      : { treeSize: 0, rootHash: '', createdAt: '' };
  const fail = (message: string): ConsistencyCheck => ({ ok: false, message, from, to, proof: [] });
  // A checkpoint that left the database while the database now holds none: they were deleted after it.
  if (latest === undefined)
    return signatureValid || publicKeys(workspace.db).size === 0
      ? fail(
          `the database holds no signed checkpoint, but this one covers ${earlier.treeSize} events: the checkpoints were deleted`,
        )
      : fail(`the earlier checkpoint's signature does not verify with any installation key of this trail`);
  if (!signatureValid)
    return fail(`the earlier checkpoint's signature does not verify with any installation key of this trail`);
  if (earlier.treeSize > latest.treeSize)
    return fail(
      `the earlier checkpoint covers ${earlier.treeSize} events, the latest only ${latest.treeSize}: events were deleted`,
    );
  const leaves = eventHashes(workspace.db).slice(0, latest.treeSize).map(eventLeaf);
  const proof = consistencyProof(leaves, earlier.treeSize);
  const ok = verifyConsistency(
    earlier.treeSize,
    latest.treeSize,
    proof,
    Buffer.from(earlier.rootHash, 'hex'),
    Buffer.from(latest.rootHash, 'hex'),
  );
  return {
    ok,
    message: ok
      ? `the trail only grew since the checkpoint of ${earlier.createdAt}: its ${earlier.treeSize} events are the first ${earlier.treeSize} of ${latest.treeSize}`
      : `the trail is not an extension of the checkpoint of ${earlier.createdAt}: events among the first ${earlier.treeSize} were changed, removed or reordered`,
    from,
    to,
    proof: proof.map((p) => p.toString('hex')),
  };
}
