import type { Workspace } from '../store/workspace.js';
import { AttestError } from '../errors.js';
import { eventHashes, latestCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { eventLeaf, inclusionProof, verifyInclusion } from './merkle.js';

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
