/**
 * The standalone verifier of an Attest audit bundle. This file imports nothing but Node's own modules, because
 * its compiled form is copied into every bundle as verify-bundle.mjs: a regulator runs
 * `node verify-bundle.mjs BUNDLE.zip [--expect-key FINGERPRINT] [--json]` on any machine with Node 18 or newer,
 * without Attest and without installing anything. `attest audit verify --bundle` runs the same code.
 *
 * It reads the zip itself (central directory, raw deflate through node:zlib, CRC-32), then checks: the file
 * hashes listed in manifest.json and the Ed25519 signature over it; the public key against the key the audit
 * trail announced (and against --expect-key, the fingerprint obtained out of band); the hash chain of
 * events.jsonl; the RFC 6962 Merkle tree head and signature of checkpoint.json; every included artifact's
 * SHA-256; and every electronic signature against the canonical record it binds.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { realpathSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

export interface BundleProblem {
  kind: string;
  message: string;
  file?: string;
  seq?: number;
}

export interface BundleVerification {
  ok: boolean;
  problems: BundleProblem[];
  keyId: string | null;
  events: number;
  checkpoint: { treeSize: number; rootHash: string; createdAt: string } | null;
  artifactsChecked: number;
  /** Earlier checkpoints in checkpoints.jsonl checked against a prefix of the events (same key only). */
  historyChecked: number;
  signatures: { count: number; valid: number };
  files: number;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

// ---- zip reading -------------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class ZipError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/** The entries of a zip file by name; throws ZipError naming what is wrong with the container. */
export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw new ZipError(
      'bundle-truncated',
      'the bundle is truncated or not a zip file: its end-of-central-directory record is missing',
    );
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (cdOffset + cdSize > eocd)
    throw new ZipError(
      'bundle-truncated',
      'the bundle is truncated: its central directory lies outside the file',
    );
  const entries = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== 0x02014b50)
      throw new ZipError('bundle-corrupt', `the bundle's central directory is damaged at entry ${i + 1}`);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== 0x04034b50)
      throw new ZipError('bundle-corrupt', `${name}: its local header is missing from the bundle`);
    const start =
      localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (start + compressedSize > bytes.length)
      throw new ZipError('bundle-truncated', `the bundle is truncated: ${name} is cut short`);
    const raw = bytes.subarray(start, start + compressedSize);
    let data: Uint8Array;
    try {
      if (method === 0) data = raw;
      // Never inflate past the declared size: a hostile entry cannot exhaust memory.
      else if (method === 8)
        data = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, size) }));
      else throw new Error(`compression method ${method} is not supported`);
    } catch (error) {
      throw new ZipError('bundle-corrupt', `${name}: cannot be decompressed (${(error as Error).message})`);
    }
    if (data.length !== size || crc32(data) !== crc)
      throw new ZipError('bundle-corrupt', `${name}: its CRC-32 does not match: the zip entry is damaged`);
    if (name.includes('..') || name.startsWith('/'))
      throw new ZipError('bundle-corrupt', `${name}: a path outside the bundle is not allowed`);
    // Two entries of one name would let an unzip tool show one file while the verifier checks the other.
    if (entries.has(name))
      throw new ZipError('bundle-corrupt', `${name}: the bundle holds two entries of that name`);
    entries.set(name, data);
  }
  return entries;
}

// ---- canonical JSON and the event hash, exactly as Attest computes them ------------------------------------

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

interface BundleEvent {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  payload: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

function eventHash(e: BundleEvent): string {
  const { seq, id, at, actor, action, entityType, entityId, payload, prevHash } = e;
  return sha256(canonical({ seq, id, at, actor, action, entityType, entityId, payload, prevHash }));
}

// ---- RFC 6962 Merkle tree head -----------------------------------------------------------------------------

function merkleRoot(leaves: readonly Buffer[]): string {
  let level: Buffer[] = leaves.map((leaf) => createHash('sha256').update(Buffer.of(0)).update(leaf).digest());
  if (level.length === 0) return sha256('');
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1];
      next.push(
        right === undefined
          ? (level[i] as Buffer)
          : createHash('sha256')
              .update(Buffer.of(1))
              .update(level[i] as Buffer)
              .update(right)
              .digest(),
      );
    }
    level = next;
  }
  return (level[0] as Buffer).toString('hex');
}

// ---- the checks --------------------------------------------------------------------------------------------

const REQUIRED = [
  'manifest.json',
  'manifest.sig',
  'checkpoint.json',
  'public-key.pem',
  'events.jsonl',
  'signatures.jsonl',
];

interface Manifest {
  format: string;
  keyId: string;
  files: { path: string; sha256: string; bytes: number }[];
  artifacts: { sha256: string; bytes: number; owner: string; path: string | null }[];
}

function keyIdOf(pem: string): string {
  const der = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  return sha256(der.subarray(der.length - 32));
}

function ed25519Valid(pem: string, message: Uint8Array, signatureBase64: string): boolean {
  try {
    return verifySignature(null, message, createPublicKey(pem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

export function verifyBundle(bytes: Uint8Array, options: { expectKey?: string } = {}): BundleVerification {
  const problems: BundleProblem[] = [];
  const result: BundleVerification = {
    ok: false,
    problems,
    keyId: null,
    events: 0,
    checkpoint: null,
    artifactsChecked: 0,
    historyChecked: 0,
    signatures: { count: 0, valid: 0 },
    files: 0,
  };
  let files: Map<string, Uint8Array>;
  try {
    files = readZip(bytes);
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    problems.push({ kind: error.kind, message: error.message });
    return result;
  }
  result.files = files.size;
  const text = (name: string): string => new TextDecoder().decode(files.get(name));
  for (const name of REQUIRED)
    if (!files.has(name))
      problems.push({ kind: 'file-missing', file: name, message: `${name} is missing from the bundle` });
  if (problems.length > 0) return result;

  // The public key, and who says it is the right one.
  const pem = text('public-key.pem');
  let keyId: string;
  try {
    keyId = keyIdOf(pem);
  } catch {
    problems.push({
      kind: 'public-key-unreadable',
      file: 'public-key.pem',
      message: 'public-key.pem is not an Ed25519 public key',
    });
    return result;
  }
  result.keyId = keyId;
  if (options.expectKey !== undefined && options.expectKey.toLowerCase() !== keyId)
    problems.push({
      kind: 'public-key-unexpected',
      file: 'public-key.pem',
      message: `public-key.pem has fingerprint ${keyId}, not the expected ${options.expectKey}`,
    });

  const check: Check = { files, text, pem, keyId, problems, result };
  const manifest = checkManifest(check);
  if (manifest === undefined) return result;
  const events = checkEventChain(check);
  checkAnnouncedKey(check, events);
  checkCheckpoint(check, events);
  checkEarlierCheckpoints(check, events);
  checkArtifacts(check, manifest, events);
  checkSignatures(check, events);

  result.ok = problems.length === 0;
  return result;
}

/** What every step of the verification reads, and where it records what it found. */
interface Check {
  files: Map<string, Uint8Array>;
  text: (name: string) => string;
  pem: string;
  keyId: string;
  problems: BundleProblem[];
  result: BundleVerification;
}

/** The manifest and its signature: they cover every other file of the bundle. Undefined when unreadable. */
function checkManifest(check: Check): Manifest | undefined {
  const { files, text, pem, problems } = check;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text('manifest.json')) as Manifest;
  } catch {
    problems.push({
      kind: 'file-unreadable',
      file: 'manifest.json',
      message: 'manifest.json is not valid JSON',
    });
    return undefined;
  }
  const manifestBytes = files.get('manifest.json') as Uint8Array;
  if (!ed25519Valid(pem, manifestBytes, text('manifest.sig').trim()))
    problems.push({
      kind: 'manifest-signature-invalid',
      file: 'manifest.sig',
      message: 'the Ed25519 signature over manifest.json does not verify with public-key.pem',
    });
  const listed = new Set(['manifest.json', 'manifest.sig']);
  for (const entry of manifest.files ?? []) {
    listed.add(entry.path);
    const data = files.get(entry.path);
    if (data === undefined) {
      problems.push({
        kind: 'file-missing',
        file: entry.path,
        message: `${entry.path} is listed in the manifest but missing`,
      });
    } else if (sha256(data) !== entry.sha256) {
      problems.push({
        kind: 'file-altered',
        file: entry.path,
        message: `${entry.path} was altered: its SHA-256 differs from the signed manifest`,
      });
    }
  }
  for (const name of files.keys())
    if (!listed.has(name))
      problems.push({
        kind: 'file-unlisted',
        file: name,
        message: `${name} is in the bundle but not in the signed manifest`,
      });
  return manifest;
}

/** The events and their hash chain. */
function checkEventChain(check: Check): BundleEvent[] {
  const { text, problems, result } = check;
  const events: BundleEvent[] = [];
  const lines = text('events.jsonl')
    .split('\n')
    .filter((line) => line !== '');
  lines.forEach((line, i) => {
    try {
      events.push(JSON.parse(line) as BundleEvent);
    } catch {
      problems.push({
        kind: 'event-unreadable',
        file: 'events.jsonl',
        message: `events.jsonl line ${i + 1} is not valid JSON`,
      });
    }
  });
  result.events = events.length;
  let previous = '0'.repeat(64);
  events.forEach((event, i) => {
    if (event.seq !== i + 1)
      problems.push({
        kind: 'sequence-gap',
        seq: event.seq,
        file: 'events.jsonl',
        message: `events.jsonl line ${i + 1} holds event ${event.seq}, expected event ${i + 1}: events were removed or reordered`,
      });
    if (event.prevHash !== previous)
      problems.push({
        kind: 'broken-link',
        seq: event.seq,
        file: 'events.jsonl',
        message: `event ${event.seq} does not link to the event before it`,
      });
    if (eventHash(event) !== event.hash)
      problems.push({
        kind: 'hash-mismatch',
        seq: event.seq,
        file: 'events.jsonl',
        message: `event ${event.seq} (${event.action}) was altered: its content no longer matches its hash`,
      });
    previous = event.hash;
  });
  return events;
}

/** The key the trail itself announced: a replaced public-key.pem is not among them. */
function checkAnnouncedKey(check: Check, events: BundleEvent[]): void {
  const { keyId, problems } = check;
  const announced = events
    .filter((e) => e.action === 'audit.key.create')
    .map((e) => (e.payload['result'] as { keyId?: string } | undefined)?.keyId);
  if (!announced.includes(keyId))
    problems.push({
      kind: 'public-key-replaced',
      file: 'public-key.pem',
      message: `public-key.pem (fingerprint ${keyId.slice(0, 16)}) is not the installation key announced in the audit trail (${announced.map((k) => String(k).slice(0, 16)).join(', ') || 'none'}): it was replaced`,
    });
}

/** The signed checkpoint over the Merkle tree of the events. */
function checkCheckpoint(check: Check, events: BundleEvent[]): void {
  const { text, pem, keyId, problems, result } = check;
  try {
    const checkpoint = JSON.parse(text('checkpoint.json')) as {
      format: string;
      treeSize: number;
      rootHash: string;
      headHash: string;
      createdAt: string;
      keyId: string;
      signature: string;
    };
    result.checkpoint = {
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash,
      createdAt: checkpoint.createdAt,
    };
    const { format, treeSize, rootHash, headHash, createdAt } = checkpoint;
    const message = Buffer.from(
      canonical({ format, treeSize, rootHash, headHash, createdAt, keyId: checkpoint.keyId }),
    );
    if (checkpoint.keyId !== keyId || !ed25519Valid(pem, message, checkpoint.signature))
      problems.push({
        kind: 'checkpoint-signature-invalid',
        file: 'checkpoint.json',
        message: 'the checkpoint signature does not verify with public-key.pem',
      });
    if (treeSize > events.length)
      problems.push({
        kind: 'events-missing',
        file: 'events.jsonl',
        message: `the signed checkpoint covers ${treeSize} events but events.jsonl holds ${events.length}: events were deleted`,
      });
    const leaves = events.slice(0, treeSize).map((e) => Buffer.from(String(e.hash), 'hex'));
    if (treeSize <= events.length && merkleRoot(leaves) !== rootHash)
      problems.push({
        kind: 'checkpoint-root-mismatch',
        file: 'checkpoint.json',
        message: `the Merkle tree head over the first ${treeSize} events is not the signed one: events were changed, removed or reordered`,
      });
    if (treeSize < events.length)
      problems.push({
        kind: 'events-unsigned',
        file: 'events.jsonl',
        message: `${events.length - treeSize} events follow the signed checkpoint: the bundle was extended after export`,
      });
  } catch {
    problems.push({
      kind: 'file-unreadable',
      file: 'checkpoint.json',
      message: 'checkpoint.json is not valid JSON',
    });
  }
}

/** The earlier checkpoints: each a signed head of a prefix of the same events. */
function checkEarlierCheckpoints(check: Check, events: BundleEvent[]): void {
  const { files, text, pem, keyId, problems, result } = check;
  const history = files.has('checkpoints.jsonl')
    ? text('checkpoints.jsonl')
        .split('\n')
        .filter((l) => l !== '')
    : [];
  for (const line of history) {
    let cp: {
      id: number;
      format: string;
      treeSize: number;
      rootHash: string;
      headHash: string;
      createdAt: string;
      keyId: string;
      signature: string;
    };
    try {
      cp = JSON.parse(line) as typeof cp;
    } catch {
      problems.push({
        kind: 'file-unreadable',
        file: 'checkpoints.jsonl',
        message: 'a line of checkpoints.jsonl is not valid JSON',
      });
      continue;
    }
    if (cp.keyId !== keyId) continue; // signed by an earlier installation key, which this bundle does not carry
    result.historyChecked++;
    const label = `earlier checkpoint ${cp.id} (${cp.treeSize} events, ${cp.createdAt})`;
    const { format, treeSize, rootHash, headHash, createdAt } = cp;
    if (
      !ed25519Valid(
        pem,
        Buffer.from(canonical({ format, treeSize, rootHash, headHash, createdAt, keyId: cp.keyId })),
        cp.signature,
      )
    )
      problems.push({
        kind: 'checkpoint-signature-invalid',
        file: 'checkpoints.jsonl',
        message: `${label}: its signature does not verify with public-key.pem`,
      });
    else if (treeSize > events.length)
      problems.push({
        kind: 'events-missing',
        file: 'events.jsonl',
        message: `${label} covers more events than events.jsonl holds: events were deleted`,
      });
    else if (
      merkleRoot(events.slice(0, treeSize).map((e) => Buffer.from(String(e.hash), 'hex'))) !== rootHash
    )
      problems.push({
        kind: 'checkpoint-root-mismatch',
        file: 'checkpoints.jsonl',
        message: `${label}: the first ${treeSize} events no longer have the signed tree head: history was rewritten`,
      });
  }
}

/** The artifacts: each included file re-hashed; each one the events name must be in the manifest. */
function checkArtifacts(check: Check, manifest: Manifest, events: BundleEvent[]): void {
  const { files, problems, result } = check;
  const inManifest = new Set((manifest.artifacts ?? []).map((a) => a.sha256));
  for (const artifact of manifest.artifacts ?? []) {
    if (artifact.path === null) continue;
    const data = files.get(artifact.path);
    result.artifactsChecked++;
    if (data === undefined)
      problems.push({
        kind: 'artifact-missing',
        file: artifact.path,
        message: `artifact ${artifact.path} (${artifact.owner}) is missing`,
      });
    else if (sha256(data) !== artifact.sha256)
      problems.push({
        kind: 'artifact-altered',
        file: artifact.path,
        message: `artifact ${artifact.path} (${artifact.owner}) was altered: its SHA-256 no longer matches`,
      });
  }
  for (const event of events) {
    const payload = event.payload as { inputs?: { sha256: string }[]; outputs?: { sha256: string }[] };
    for (const item of [...(payload.inputs ?? []), ...(payload.outputs ?? [])])
      if (!inManifest.has(item.sha256))
        problems.push({
          kind: 'artifact-unlisted',
          seq: event.seq,
          message: `artifact ${item.sha256.slice(0, 16)} named by event ${event.seq} is not in the manifest`,
        });
  }
}

/** The electronic signatures: each bound to the canonical record it signed and to its audit event. */
function checkSignatures(check: Check, events: BundleEvent[]): void {
  const { text, problems, result } = check;
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const line of text('signatures.jsonl')
    .split('\n')
    .filter((l) => l !== '')) {
    result.signatures.count++;
    let sig: {
      id: string;
      eventId: string;
      recordSha256: string;
      recordCanonical: string;
      meaning: string;
      printedName: string;
      entityId: string;
    };
    try {
      sig = JSON.parse(line) as typeof sig;
    } catch {
      problems.push({
        kind: 'signature-unreadable',
        file: 'signatures.jsonl',
        message: 'a line of signatures.jsonl is not valid JSON',
      });
      continue;
    }
    const event = byId.get(sig.eventId);
    const recorded = event?.payload['result'] as Record<string, unknown> | undefined;
    if (
      recorded?.['signatureId'] !== sig.id ||
      recorded['meaning'] !== sig.meaning ||
      recorded['recordSha256'] !== sig.recordSha256 ||
      recorded['printedName'] !== sig.printedName
    ) {
      problems.push({
        kind: 'signature-altered',
        file: 'signatures.jsonl',
        message: `signature ${sig.id} does not match the audit event recorded when it was made`,
      });
      continue;
    }
    if (sha256(sig.recordCanonical) !== sig.recordSha256) {
      problems.push({
        kind: 'signed-record-altered',
        file: 'signatures.jsonl',
        message: `the record of signature ${sig.id} (${sig.entityId}) does not hash to the SHA-256 that was signed`,
      });
      continue;
    }
    result.signatures.valid++;
  }
}

// ---- command line ------------------------------------------------------------------------------------------

function runFromCommandLine(argv: string[]): number {
  const json = argv.includes('--json');
  const keyAt = argv.indexOf('--expect-key');
  const expectKey = keyAt >= 0 ? argv[keyAt + 1] : undefined;
  const path = argv.find((a, i) => !a.startsWith('--') && (keyAt < 0 || i !== keyAt + 1));
  if (path === undefined) {
    process.stderr.write('usage: node verify-bundle.mjs BUNDLE.zip [--expect-key FINGERPRINT] [--json]\n');
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    process.stderr.write(`${path}: cannot read the bundle: ${(error as Error).message}\n`);
    return 2;
  }
  const result = verifyBundle(bytes, expectKey !== undefined ? { expectKey } : {});
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else if (result.ok)
    process.stdout.write(
      `VALID: ${path}\n  ${result.events} events, hash chain and Merkle tree head verified; checkpoint signed ${result.checkpoint?.createdAt ?? ''}\n` +
        `  ${result.artifactsChecked} artifacts re-hashed, ${result.signatures.valid} electronic signatures valid\n` +
        `  installation key fingerprint ${result.keyId ?? ''}${expectKey === undefined ? ' (compare it with the one you were given, or pass --expect-key)' : ' (as expected)'}\n`,
    );
  else
    process.stdout.write(
      `NOT VALID: ${path}\n${result.problems.map((p) => `  - ${p.message}`).join('\n')}\n`,
    );
  return result.ok ? 0 : 3;
}

const invoked = process.argv[1];
let direct = false;
try {
  direct = invoked !== undefined && import.meta.url === pathToFileURL(realpathSync(invoked)).href;
} catch {
  direct = false;
}
if (direct) process.exitCode = runFromCommandLine(process.argv.slice(2));
