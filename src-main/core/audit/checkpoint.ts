import type { Db } from '../store/database.js';
import type { Workspace } from '../store/workspace.js';
import { canonicalJson } from '../util/canonical-json.js';
import { utcNow } from '../util/ids.js';
import { installationKey, signBytes, verifyBytes } from './installation-key.js';
import { eventLeaf, merkleRoot } from './merkle.js';
import { AttestError } from '../errors.js';
import { computeEventHash, GENESIS_HASH } from './event-hash.js';
import { rowToEvent, type AuditRow } from './log.js';
import { readWitness, recordWitness, witnessPath } from './witness.js';

/**
 * A signed checkpoint: the Merkle tree head over the first `treeSize` events, the chain hash of the last of
 * them, and the installation key's Ed25519 signature over the canonical JSON of those fields. Whoever holds a
 * checkpoint can later prove that the log still starts with exactly those events: deleting the newest events,
 * or rewriting history and recomputing the chain, no longer matches a signed head.
 */
export interface CheckpointBody {
  format: 'attest-checkpoint/1';
  treeSize: number;
  rootHash: string;
  headHash: string;
  createdAt: string;
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointBody {
  id: number;
  signature: string;
}

interface CheckpointRow {
  id: number;
  tree_size: number;
  root_hash: string;
  head_hash: string;
  created_at: string;
  key_id: string;
  signature: string;
}

export function checkpointMessage(body: CheckpointBody): Buffer {
  return Buffer.from(
    canonicalJson({
      format: body.format,
      treeSize: body.treeSize,
      rootHash: body.rootHash,
      headHash: body.headHash,
      createdAt: body.createdAt,
      keyId: body.keyId,
    }),
  );
}

/** The chain hashes of all events in order: the Merkle leaves. */
export function eventHashes(db: Db): string[] {
  return (db.prepare('SELECT hash FROM audit_events ORDER BY seq').all() as { hash: string }[]).map(
    (r) => r.hash,
  );
}

export function treeRootOf(hashes: readonly string[]): string {
  return merkleRoot(hashes.map(eventLeaf)).toString('hex');
}

/** Refuses to sign over a broken chain: a checkpoint must never legitimise events that were tampered with. */
function assertChainIntact(db: Db): void {
  let previous = GENESIS_HASH;
  let expected = 1;
  for (const row of db.prepare('SELECT * FROM audit_events ORDER BY seq').iterate() as Iterable<AuditRow>) {
    let ok = row.seq === expected && row.prev_hash === previous;
    if (ok) {
      try {
        ok = computeEventHash(rowToEvent(row)) === row.hash;
      } catch {
        ok = false;
      }
    }
    if (!ok)
      throw new AttestError(
        'VERIFY_FAILED',
        `audit event ${row.seq} does not verify: refusing to sign a checkpoint over it (run \`attest audit verify\`)`,
      );
    previous = row.hash;
    expected++;
  }
}

/** Signs the current tree head, unless the newest checkpoint already covers every event. */
export function createCheckpoint(workspace: Workspace): SignedCheckpoint {
  const key = installationKey(workspace);
  // Under the write lock from the first read to the witness: no event slips in between the hashes read and the
  // head signed, and two processes signing at once write their witnesses in order (never the shorter last).
  return workspace.db
    .transaction((): SignedCheckpoint => {
      assertChainIntact(workspace.db);
      const hashes = eventHashes(workspace.db);
      const latest = latestCheckpoint(workspace.db);
      if (
        latest !== undefined &&
        (latest.treeSize > hashes.length || treeRootOf(hashes.slice(0, latest.treeSize)) !== latest.rootHash)
      )
        throw new AttestError(
          'VERIFY_FAILED',
          `the audit trail no longer matches signed checkpoint ${latest.id}: refusing to sign over it (run \`attest audit verify\`)`,
        );
      assertWitnessCovered(workspace.home, hashes);
      if (latest !== undefined && latest.treeSize === hashes.length && latest.keyId === key.keyId) {
        recordWitness(workspace.home, latest); // a home from before witnesses gets one here
        return latest;
      }
      const body: CheckpointBody = {
        format: 'attest-checkpoint/1',
        treeSize: hashes.length,
        rootHash: treeRootOf(hashes),
        headHash: hashes[hashes.length - 1] ?? '0'.repeat(64),
        createdAt: utcNow(),
        keyId: key.keyId,
      };
      const signature = signBytes(key, checkpointMessage(body));
      const info = workspace.db
        .prepare(
          `INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, created_at, key_id, signature)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(body.treeSize, body.rootHash, body.headHash, body.createdAt, body.keyId, signature);
      const checkpoint: SignedCheckpoint = { ...body, id: Number(info.lastInsertRowid), signature };
      // Outside the database as well: the only record of this head that deleting rows cannot reach.
      recordWitness(workspace.home, checkpoint);
      return checkpoint;
    })
    .immediate();
}

/** A new checkpoint must not legitimise a trail shorter than, or different from, the witnessed one. */
function assertWitnessCovered(home: string, hashes: readonly string[]): void {
  let witness;
  try {
    witness = readWitness(home);
  } catch {
    return; // an unreadable witness is reported by verify and replaced by this checkpoint's
  }
  if (witness === undefined) return;
  const cp = witness.checkpoint;
  if (cp.treeSize > hashes.length || treeRootOf(hashes.slice(0, cp.treeSize)) !== cp.rootHash)
    throw new AttestError(
      'VERIFY_FAILED',
      `the audit trail no longer starts with the ${cp.treeSize} events witnessed in ${witnessPath(home)}: refusing to sign over it (run \`attest audit verify\`)`,
    );
}

function toCheckpoint(row: CheckpointRow): SignedCheckpoint {
  return {
    format: 'attest-checkpoint/1',
    id: row.id,
    treeSize: row.tree_size,
    rootHash: row.root_hash,
    headHash: row.head_hash,
    createdAt: row.created_at,
    keyId: row.key_id,
    signature: row.signature,
  };
}

export function listCheckpoints(db: Db): SignedCheckpoint[] {
  return (db.prepare('SELECT * FROM audit_checkpoints ORDER BY id').all() as CheckpointRow[]).map(
    toCheckpoint,
  );
}

export function latestCheckpoint(db: Db): SignedCheckpoint | undefined {
  const row = db.prepare('SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1').get() as
    CheckpointRow | undefined;
  return row !== undefined ? toCheckpoint(row) : undefined;
}

export function checkpointSignatureValid(checkpoint: SignedCheckpoint, publicKeyPem: string): boolean {
  return verifyBytes(publicKeyPem, checkpointMessage(checkpoint), checkpoint.signature);
}

export function publicKeys(db: Db): Map<string, string> {
  const rows = db.prepare('SELECT key_id, public_key_pem FROM audit_keys').all() as {
    key_id: string;
    public_key_pem: string;
  }[];
  return new Map(rows.map((r) => [r.key_id, r.public_key_pem]));
}

/**
 * A checkpoint right after an important change (an account change, a signature), which is already committed:
 * if the key cannot be opened here (a passphrase not set, say), the change stands and the caller is told why
 * it is not yet covered, instead of failing after the fact.
 */
export function checkpointAfterChange(workspace: Workspace): {
  checkpoint: SignedCheckpoint | null;
  warning: string | null;
} {
  try {
    return { checkpoint: createCheckpoint(workspace), warning: null };
  } catch (error) {
    return {
      checkpoint: null,
      warning: `no checkpoint was signed after this change: ${(error as Error).message}`,
    };
  }
}
