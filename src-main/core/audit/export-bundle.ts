import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import type { Workspace } from '../store/workspace.js';
import { AttestError, badInput } from '../errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Hex } from '../util/hash.js';
import { utcNow } from '../util/ids.js';
import { appendAuditEvent, listAuditEvents } from './log.js';
import { referencedArtifacts } from './event-hash.js';
import { createCheckpoint, listCheckpoints } from './checkpoint.js';
import { installationKey, signBytes } from './installation-key.js';
import { listSignatures } from './signatures.js';
import { recordVersion } from './record-version.js';
import { verifyAuditTrail } from './verify.js';

/**
 * The regulated export: one zip that another machine can verify with nothing but Node. It holds the documents
 * (reports, model cards), the events as JSON Lines, the signed checkpoint over all of them, the public key,
 * the electronic signatures with the canonical records they bind, the manifest of artifacts with their
 * hashes (and the artifact files themselves, by choice), a manifest of every file signed with the installation
 * key, and the standalone verifier script.
 */
export type ArtifactChoice = 'none' | 'models' | 'all';

export interface BundleDocument {
  path: string;
  bytes: Uint8Array;
}

export interface BundleResult {
  path: string;
  sha256: string;
  bytes: number;
  events: number;
  checkpoint: { treeSize: number; rootHash: string; keyId: string; createdAt: string };
  files: string[];
  artifacts: { listed: number; included: number };
}

const VERIFIER = new URL('./bundle-verifier.js', import.meta.url);

/** The compiled standalone verifier, without its source-map comment (the map is not in the bundle). */
export function verifierSource(): string {
  return readFileSync(fileURLToPath(VERIFIER), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
}

function artifactOwners(workspace: Workspace): Map<string, { owner: string; model: boolean }> {
  const owners = new Map<string, { owner: string; model: boolean }>();
  for (const e of listAuditEvents(workspace.db))
    for (const sha of referencedArtifacts(e.payload))
      if (!owners.has(sha)) owners.set(sha, { owner: `event ${e.seq} (${e.action})`, model: false });
  const rows = workspace.db
    .prepare(
      `SELECT 'model ' || id AS owner, artifact_sha256 AS sha, 1 AS model FROM models
       UNION ALL SELECT 'dataset ' || id, data_sha256, 0 FROM datasets
       UNION ALL SELECT 'checkpoint ' || job_id || '/' || epoch, artifact_sha256, 0 FROM checkpoints`,
    )
    .all() as { owner: string; sha: string; model: number }[];
  for (const row of rows) {
    const known = owners.get(row.sha);
    if (known === undefined) owners.set(row.sha, { owner: row.owner, model: row.model === 1 });
    else if (row.model === 1) owners.set(row.sha, { owner: row.owner, model: true });
  }
  return owners;
}

export function buildAuditBundle(
  workspace: Workspace,
  options: {
    out: string;
    documents: BundleDocument[];
    artifacts: ArtifactChoice;
    scope: Record<string, unknown>;
  },
): BundleResult {
  if (!options.out.toLowerCase().endsWith('.zip'))
    throw badInput('the bundle must be written to a .zip file', options.out);
  // Never sign over a trail that does not verify: that would launder the tampering.
  const before = verifyAuditTrail(workspace);
  const first = before.problems[0];
  if (first !== undefined)
    throw new AttestError(
      'VERIFY_FAILED',
      `the audit trail is not intact, nothing exported: ${first.message}`,
    );
  const key = installationKey(workspace);
  workspace.db.transaction(() => {
    appendAuditEvent(workspace.db, {
      action: 'audit.export',
      entityType: 'bundle',
      payload: {
        params: { out: options.out, artifacts: options.artifacts, ...options.scope },
        result: { documents: options.documents.map((d) => ({ path: d.path, sha256: sha256Hex(d.bytes) })) },
      },
    });
  })();
  const checkpoint = createCheckpoint(workspace);
  const events = listAuditEvents(workspace.db);

  const files: Record<string, Uint8Array> = {};
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  for (const doc of options.documents) files[doc.path] = doc.bytes;
  files['events.jsonl'] = text(events.map((e) => `${canonicalJson(e)}\n`).join(''));
  files['checkpoint.json'] = text(`${JSON.stringify(checkpoint, null, 2)}\n`);
  // Every earlier checkpoint too: each must still match a prefix of the events, which shows that the trail
  // only ever grew between them.
  files['checkpoints.jsonl'] = text(
    listCheckpoints(workspace.db)
      .map((c) => `${canonicalJson(c)}\n`)
      .join(''),
  );
  files['public-key.pem'] = text(key.publicKeyPem);
  files['signatures.jsonl'] = text(
    listSignatures(workspace.db)
      .map((s) => {
        let recordCanonical: string | null = null;
        try {
          recordCanonical = recordVersion(workspace.db, s.entityType, s.entityId).canonical;
        } catch {
          recordCanonical = null;
        }
        return `${canonicalJson({ ...s, recordCanonical })}\n`;
      })
      .join(''),
  );
  files['verify-bundle.mjs'] = text(verifierSource());
  files['README.txt'] = text(readme(key.keyId, checkpoint.treeSize));

  const artifacts: { sha256: string; bytes: number | null; owner: string; path: string | null }[] = [];
  for (const [sha, { owner, model }] of artifactOwners(workspace)) {
    const include = options.artifacts === 'all' || (options.artifacts === 'models' && model);
    let bytes: number | null = null;
    try {
      bytes = workspace.artifacts.sizeOf(sha);
    } catch {
      bytes = null;
    }
    const path = include ? `artifacts/${sha}` : null;
    if (path !== null) files[path] = workspace.artifacts.get(sha);
    artifacts.push({ sha256: sha, bytes, owner, path });
  }

  const manifest = {
    format: 'attest-bundle/1',
    createdAt: utcNow(),
    keyId: key.keyId,
    checkpoint: { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash },
    files: Object.entries(files)
      .map(([path, bytes]) => ({ path, sha256: sha256Hex(bytes), bytes: bytes.length }))
      .sort((a, b) => a.path.localeCompare(b.path)),
    artifacts,
  };
  const manifestBytes = text(`${JSON.stringify(manifest, null, 2)}\n`);
  files['manifest.json'] = manifestBytes;
  files['manifest.sig'] = text(`${signBytes(key, manifestBytes)}\n`);

  const zippable: Zippable = {};
  for (const [path, bytes] of Object.entries(files))
    zippable[path] = [bytes, { level: path.startsWith('artifacts/') ? 1 : 6 }];
  const zip = zipSync(zippable);
  // Written beside the target and renamed, so that a failed export never leaves half a bundle under its name.
  const partial = `${options.out}.partial`;
  try {
    writeFileSync(partial, zip);
    renameSync(partial, options.out);
  } catch (error) {
    rmSync(partial, { force: true });
    throw badInput(`cannot write the bundle: ${(error as Error).message}`, options.out);
  }
  return {
    path: options.out,
    sha256: sha256Hex(zip),
    bytes: zip.length,
    events: events.length,
    checkpoint: {
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash,
      keyId: key.keyId,
      createdAt: checkpoint.createdAt,
    },
    files: Object.keys(files).sort(),
    artifacts: { listed: artifacts.length, included: artifacts.filter((a) => a.path !== null).length },
  };
}

function readme(keyId: string, treeSize: number): string {
  return `Attest audit bundle
===================

Verify it on any machine with Node.js 18 or newer, without installing anything:

    node verify-bundle.mjs THIS-FILE.zip --expect-key ${keyId}

or, where Attest is installed:  attest audit verify --bundle THIS-FILE.zip

The verifier checks the SHA-256 of every file against manifest.json and the Ed25519 signature over the
manifest (manifest.sig), the hash chain of the ${treeSize} events in events.jsonl, the RFC 6962 Merkle tree
head signed in checkpoint.json, every artifact included under artifacts/, and every electronic signature
in signatures.jsonl against the canonical record it binds.

The installation key fingerprint (SHA-256 of the raw Ed25519 public key) is
    ${keyId}
Compare it with the fingerprint you received from the site by another channel: a bundle re-signed with
another key verifies only against that other key.

Files: reports/ (HTML and PDF reports, model cards), events.jsonl, checkpoint.json, public-key.pem,
signatures.jsonl, manifest.json, manifest.sig, artifacts/ (by choice at export), verify-bundle.mjs.
`;
}
