import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../../core/store/workspace.js';
import { AttestError, badInput } from '../../core/errors.js';
import { hasUsers, listAuditEvents } from '../../core/audit/log.js';
import { addComment, commentOnCurrentVersion, listComments } from '../../core/audit/comments.js';
import { listSignatures, signatureStatus, signRecord } from '../../core/audit/signatures.js';
import { checkPasswordAsync } from '../../core/audit/users.js';
import { createCheckpoint } from '../../core/audit/checkpoint.js';
import { verifyAuditTrail } from '../../core/audit/verify.js';
import { verifyBundle } from '../../core/audit/bundle-verifier.js';
import { EXPORT_NAME, exportsDir, listExports } from './exports.js';
import type { Caller } from './caller.js';

/** The audit actions: the trail, its verification and checkpoints, exported bundles, signatures and comments. */
export function auditHandlers(workspace: Workspace) {
  return {
    'audit.log': () => ({
      events: listAuditEvents(workspace.db).map((e) => ({
        seq: e.seq,
        id: e.id,
        at: e.at,
        actor: e.actor,
        action: e.action,
        entityType: e.entityType,
        entityId: e.entityId,
        hash: e.hash,
      })),
    }),
    'audit.verify': () => {
      const v = verifyAuditTrail(workspace);
      return {
        ok: v.ok,
        events: v.events,
        head: v.head,
        artifactsChecked: v.artifactsChecked,
        problems: v.problems.map((p) => ({
          kind: p.kind,
          message: p.message,
          ...(p.seq !== undefined ? { seq: p.seq } : {}),
        })),
        tree: v.tree,
        checkpoints: {
          count: v.checkpoints.count,
          latest:
            v.checkpoints.latest === null
              ? null
              : {
                  treeSize: v.checkpoints.latest.treeSize,
                  createdAt: v.checkpoints.latest.createdAt,
                  keyId: v.checkpoints.latest.keyId,
                },
          eventsAfterLatest: v.checkpoints.eventsAfterLatest,
        },
        signatures: v.signatures,
        warnings: v.warnings,
      };
    },
    'audit.checkpoint': (_payload: unknown, caller: Caller) => {
      if (caller.user === undefined && hasUsers(workspace.db))
        throw badInput('this installation has user accounts: sign in to sign a checkpoint');
      const checkpoint = createCheckpoint(workspace);
      return {
        treeSize: checkpoint.treeSize,
        rootHash: checkpoint.rootHash,
        createdAt: checkpoint.createdAt,
        keyId: checkpoint.keyId,
      };
    },
    'exports.verify': (payload: { name: string }) => {
      if (!EXPORT_NAME.test(payload.name) || !payload.name.endsWith('.zip'))
        throw badInput(`"${payload.name}" is not an exported audit bundle`);
      const path = join(exportsDir(workspace), payload.name);
      if (!existsSync(path)) throw new AttestError('NOT_FOUND', `no exported file ${payload.name}`);
      const v = verifyBundle(readFileSync(path));
      return {
        ok: v.ok,
        problems: v.problems.map((p) => ({ kind: p.kind, message: p.message })),
        keyId: v.keyId,
        events: v.events,
        artifactsChecked: v.artifactsChecked,
        signatures: v.signatures,
        files: v.files,
      };
    },
    'exports.list': () => ({ exports: listExports(workspace) }),
    'records.sign': async (
      payload: {
        entityType: 'validation' | 'model';
        entityId: string;
        meaning: 'reviewed' | 'approved' | 'rejected';
        password: string;
        reason?: string;
      },
      caller: Caller,
    ) => {
      const user = caller.user;
      if (user === undefined) throw badInput('sign in before signing a record');
      // The scrypt runs on the thread pool first: other desks' requests are answered meanwhile.
      const verdict = await checkPasswordAsync(workspace.db, user.name, payload.password);
      const signature = signRecord(workspace, { ...payload, userName: user.name }, verdict);
      return { signature: { ...signature, status: signatureStatus(workspace.db, signature) } };
    },
    'signatures.list': () => ({
      signatures: listSignatures(workspace.db).map((signature) => ({
        ...signature,
        status: signatureStatus(workspace.db, signature),
      })),
    }),
    'records.comment': (payload: { entityType: 'validation' | 'model'; entityId: string; text: string }) => ({
      comment: addComment(workspace, payload),
    }),
    'records.comments': (payload: { entityIds?: string[] }) => ({
      comments: listComments(workspace.db, payload.entityIds).map((c) => ({
        ...c,
        onCurrentVersion: commentOnCurrentVersion(workspace.db, c),
      })),
    }),
  };
}
