import type { Command } from '../command.js';
import { AttestError, exitCodeFor } from '../../core/errors.js';
import { verifyAuditTrail } from '../../core/audit/verify.js';
import { listAuditEvents } from '../../core/audit/log.js';
import { createCheckpoint } from '../../core/audit/checkpoint.js';

export const auditVerifyCommand: Command = {
  path: ['audit', 'verify'],
  usage: 'audit verify [--json]',
  summary:
    'Recompute the hash chain, the Merkle tree, the signed checkpoints, the signatures and every artifact SHA-256; exit 3 if anything was altered',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const result = verifyAuditTrail(workspace());
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
