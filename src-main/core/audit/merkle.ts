import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 (Certificate Transparency), section 2.1: leaves hashed with a 0x00 prefix and
 * interior nodes with 0x01, so that a leaf can never be passed off as a node (second-preimage resistance),
 * and an unbalanced tree split at the largest power of two below n. The leaves are the events' chain hashes
 * (32 bytes each), so the tree head commits to every event and to their order.
 */

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export function leafHash(leaf: Uint8Array): Buffer {
  return sha256(LEAF, leaf);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE, left, right);
}

/** The largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]): the tree head of the given leaves; the hash of the empty string for no leaves. */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return rootOfHashes(leaves.map(leafHash));
}

function rootOfHashes(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return sha256();
  // Bottom-up over the leaf hashes; an odd node is carried up unchanged, which gives the same tree as
  // RFC 6962's recursive split at the largest power of two.
  let level = [...hashes];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Buffer;
      const right = level[i + 1];
      next.push(right === undefined ? left : nodeHash(left, right));
    }
    level = next;
  }
  return level[0] as Buffer;
}

/** PATH(m, D[n]): the audit path proving that leaf m is in the tree of the first n leaves. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  return path(index, leaves.map(leafHash));
}

function path(m: number, hashes: readonly Buffer[]): Buffer[] {
  if (hashes.length <= 1) return [];
  const k = splitPoint(hashes.length);
  return m < k
    ? [...path(m, hashes.slice(0, k)), rootOfHashes(hashes.slice(k))]
    : [...path(m - k, hashes.slice(k)), rootOfHashes(hashes.slice(0, k))];
}

/** Checks an audit path with the algorithm of RFC 9162 section 2.1.3.2. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && Buffer.compare(r, Buffer.from(root)) === 0;
}

/**
 * PROOF(m, D[n]) of RFC 6962 section 2.1.2: the nodes that show the tree of the first m leaves is a prefix of
 * the tree of all n, i.e. that the log only grew between two checkpoints.
 */
export function consistencyProof(leaves: readonly Uint8Array[], m: number): Buffer[] {
  if (!Number.isInteger(m) || m < 1 || m > leaves.length)
    throw new RangeError(`tree size ${m} is outside 1..${leaves.length}`);
  return subproof(m, leaves.map(leafHash), true);
}

function subproof(m: number, hashes: readonly Buffer[], complete: boolean): Buffer[] {
  const n = hashes.length;
  if (m === n) return complete ? [] : [rootOfHashes(hashes)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(m, hashes.slice(0, k), complete), rootOfHashes(hashes.slice(k))]
    : [...subproof(m - k, hashes.slice(k), false), rootOfHashes(hashes.slice(0, k))];
}

/** Checks a consistency proof with the algorithm of RFC 9162 section 2.1.4.2. */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  const equal = (a: Uint8Array, b: Uint8Array): boolean =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(path[0] as Uint8Array);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
}

/** The leaf of an event: the raw bytes of its chain hash. */
export function eventLeaf(eventHashHex: string): Buffer {
  return Buffer.from(eventHashHex, 'hex');
}
