import type { Command } from '../command.js';
import { AttestError, exitCodeFor } from '../../core/errors.js';
import { verifyAuditTrail } from '../../core/audit/verify.js';
import { listAuditEvents } from '../../core/audit/log.js';
import { createCheckpoint } from '../../core/audit/checkpoint.js';
import { verifyBundle } from '../../core/audit/bundle-verifier.js';
import { checkConsistencySince, proveEventInclusion } from '../../core/audit/inclusion.js';
import { readCarriedCheckpoint } from '../../core/audit/carried-checkpoint.js';
import { listSignatures, signatureStatus } from '../../core/audit/signatures.js';
import { exportAuditBundle } from '../../core/pipelines/export/audit-bundle-documents.js';
import type { ArtifactChoice } from '../../core/audit/export-bundle.js';
import { badInput } from '../../core/errors.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const auditVerifyCommand: Command = {
  path: ['audit', 'verify'],
  readOnly: true,
  usage: 'audit verify [--bundle FILE.zip] [--expect-key FINGERPRINT] [--json]',
  summary:
    'Recompute the hash chain, the Merkle tree, the signed checkpoints, the signatures and every artifact SHA-256 (of this home, or of an exported bundle); exit 3 if anything was altered',
  async run({ options, out, workspace }) {
    const bundle = options.string('bundle');
    const expectKey = options.string('expect-key');
    options.rejectUnknown();
    if (bundle !== undefined) return verifyBundleFile(resolve(bundle), expectKey, out);
    const result = verifyAuditTrail(workspace());
    // The fingerprint obtained out of band is the only defence against a trail rewritten and re-signed whole.
    if (expectKey !== undefined && !result.keys.includes(expectKey.toLowerCase())) {
      result.ok = false;
      result.problems.push({
        kind: 'key-unexpected',
        message: `no installation key of this trail has the expected fingerprint ${expectKey} (found ${result.keys.join(', ') || 'none'})`,
      });
    }
    const first = result.problems[0];
    if (!result.ok && first !== undefined) {
      // Exit code 3 with the full result still printed, so that a script sees every problem, not just the first.
      out.result({ ...result, firstProblem: first }, () =>
        [
          `audit trail NOT intact: ${first.message}`,
          ...result.problems.slice(1).map((p) => `  also: ${p.message}`),
        ].join('\n'),
      );
      out.log(`attest: audit verification failed: ${first.message}`);
      return exitCodeFor(new AttestError('VERIFY_FAILED', first.message));
    }
    out.result({ ...result }, () =>
      [
        `audit trail intact: ${result.events} events, ${result.artifactsChecked} artifacts re-hashed, head ${result.head?.hash ?? '(empty)'}`,
        `  Merkle tree head ${result.tree.root} over ${result.tree.size} events`,
        `  ${result.checkpoints.count} signed checkpoints verified; ${result.signatures.valid} of ${result.signatures.count} signatures valid`,
        ...result.keys.map((k) => `  installation key ${k}`),
        ...(result.witness.treeSize !== null
          ? [`  witness outside the database: ${result.witness.treeSize} events (${result.witness.file})`]
          : []),
        ...result.warnings.map((w) => `  note: ${w}`),
      ].join('\n'),
    );
  },
};

export const auditCheckpointCommand: Command = {
  path: ['audit', 'checkpoint'],
  usage: 'audit checkpoint [--json]',
  summary:
    'Sign the current Merkle tree head of the audit trail with the installation key (created on first use)',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const checkpoint = createCheckpoint(workspace());
    out.result({ checkpoint }, () =>
      [
        `checkpoint ${checkpoint.id}: ${checkpoint.treeSize} events, tree head ${checkpoint.rootHash}`,
        `  signed ${checkpoint.createdAt} by installation key ${checkpoint.keyId}`,
      ].join('\n'),
    );
  },
};

export const auditLogCommand: Command = {
  path: ['audit', 'log'],
  readOnly: true,
  usage: 'audit log [--entity ID] [--json]',
  summary: 'Show the audit events (who, when, what), optionally for one dataset or model',
  async run({ options, out, workspace }) {
    const entityId = options.string('entity');
    options.rejectUnknown();
    const events = listAuditEvents(workspace().db, entityId !== undefined ? { entityId } : {});
    out.result({ events }, () =>
      events
        .map((e) => `${e.seq}\t${e.at}\t${e.actor}\t${e.action}\t${e.entityId ?? ''}\t${e.hash.slice(0, 16)}`)
        .join('\n'),
    );
  },
};

function verifyBundleFile(
  path: string,
  expectKey: string | undefined,
  out: Parameters<Command['run']>[0]['out'],
): number {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw badInput(`cannot read the bundle: ${(error as Error).message}`, path);
  }
  const result = verifyBundle(bytes, expectKey !== undefined ? { expectKey } : {});
  out.result({ bundle: path, ...result }, () =>
    result.ok
      ? [
          `bundle VALID: ${path}`,
          `  ${result.events} events, chain and Merkle tree head verified; checkpoint of ${result.checkpoint?.createdAt ?? ''}`,
          `  ${result.artifactsChecked} artifacts re-hashed, ${result.signatures.valid} electronic signatures valid, ${result.files} files`,
          `  installation key ${result.keyId ?? ''}`,
        ].join('\n')
      : [`bundle NOT valid: ${path}`, ...result.problems.map((p) => `  - ${p.message}`)].join('\n'),
  );
  if (result.ok) return 0;
  out.log(`attest: bundle verification failed: ${result.problems[0]?.message ?? ''}`);
  return exitCodeFor(new AttestError('VERIFY_FAILED', 'bundle verification failed'));
}

export const auditExportCommand: Command = {
  path: ['audit', 'export'],
  usage: 'audit export --out FILE.zip [--model ID] [--artifacts models|all|none] [--json]',
  summary:
    'Write the audit bundle: reports (HTML, PDF), model cards, events as JSON Lines, signed checkpoint, public key, signed manifest of artifacts, and a standalone verifier',
  async run({ options, out, workspace }) {
    const target = resolve(options.requiredString('out'));
    const modelId = options.string('model');
    const artifacts = options.string('artifacts') ?? 'models';
    options.rejectUnknown();
    if (!['models', 'all', 'none'].includes(artifacts))
      throw badInput(`option --artifacts must be models, all or none, got "${artifacts}"`);
    const result = await exportAuditBundle(workspace(), {
      out: target,
      ...(modelId !== undefined ? { modelIds: [modelId] } : {}),
      artifacts: artifacts as ArtifactChoice,
    });
    out.result(result, () =>
      [
        `audit bundle written to ${result.path} (${result.bytes} bytes, SHA-256 ${result.sha256})`,
        `  ${result.events} events under checkpoint ${result.checkpoint.rootHash}`,
        `  ${result.artifacts.included} of ${result.artifacts.listed} artifacts included; installation key ${result.checkpoint.keyId}`,
        `  verify anywhere: node verify-bundle.mjs ${result.path} --expect-key ${result.checkpoint.keyId}`,
      ].join('\n'),
    );
  },
};

export const auditSignaturesCommand: Command = {
  path: ['audit', 'signatures'],
  readOnly: true,
  usage: 'audit signatures [--record ID] [--json]',
  summary:
    'The electronic signatures (meaning, printed name, UTC time, record SHA-256) and whether each record is still the version signed',
  async run({ options, out, workspace }) {
    const record = options.string('record');
    options.rejectUnknown();
    const db = workspace().db;
    const signatures = listSignatures(db, record !== undefined ? [record] : undefined).map((s) => ({
      ...s,
      status: signatureStatus(db, s),
    }));
    out.result({ signatures }, () =>
      signatures.length === 0
        ? '(no signatures)'
        : signatures
            .map(
              (s) =>
                `${s.signedAt}\t${s.meaning}\t${s.printedName} (${s.userName}, ${s.role})\t${s.entityType} ${s.entityId}\t${s.status}`,
            )
            .join('\n'),
    );
  },
};

export const auditProveCommand: Command = {
  path: ['audit', 'prove'],
  readOnly: true,
  usage: 'audit prove --event SEQ | --since CHECKPOINT.json|BUNDLE.zip|REPORT.html|WITNESS.json [--json]',
  summary:
    'RFC 6962 proofs against the latest signed checkpoint: the audit path of one event, or that the trail only grew since an earlier checkpoint (the checkpoint carried by an old bundle, report or witness)',
  async run({ options, out, workspace }) {
    const seq = options.number('event', { min: 1, integer: true });
    const since = options.string('since');
    options.rejectUnknown();
    if ((seq === undefined) === (since === undefined))
      throw badInput('give exactly one of --event SEQ or --since CHECKPOINT.json');
    if (since !== undefined) {
      const check = checkConsistencySince(workspace(), await readCarriedCheckpoint(resolve(since)));
      out.result(check, () =>
        [
          `${check.ok ? 'CONSISTENT' : 'NOT CONSISTENT'}: ${check.message}`,
          `  from ${check.from.treeSize} events, tree head ${check.from.rootHash}`,
          `  to ${check.to.treeSize} events, tree head ${check.to.rootHash}`,
          ...check.proof.map((p, i) => `  proof[${i}] ${p}`),
        ].join('\n'),
      );
      if (check.ok) return 0;
      out.log(`attest: ${check.message}`);
      return exitCodeFor(new AttestError('VERIFY_FAILED', check.message));
    }
    const proof = proveEventInclusion(workspace(), seq as number);
    out.result(proof, () =>
      [
        `event ${proof.seq} (hash ${proof.eventHash}) is leaf ${proof.leafIndex} of ${proof.treeSize}`,
        `  under checkpoint ${proof.checkpoint.id}, tree head ${proof.checkpoint.rootHash}, signed ${proof.checkpoint.createdAt}`,
        ...proof.path.map((p, i) => `  path[${i}] ${p}`),
      ].join('\n'),
    );
  },
};
