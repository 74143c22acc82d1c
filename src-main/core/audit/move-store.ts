import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AttestError, badInput } from '../errors.js';
import { keyFilePath } from './installation-key.js';
import { latestCheckpoint, publicKeys } from './checkpoint.js';
import { verifyAuditTrail, type AuditVerification } from './verify.js';
import { recordWitness } from './witness.js';
import type { Workspace } from '../store/workspace.js';
import { copyArtifacts, type ArtifactCopy } from '../store/transfer/copy-artifacts.js';
import { nonEmptyTables, readRecords, TargetNotEmpty, writeRecords } from '../store/transfer/copy-records.js';

/*
 * Moving the records of one store into another: a desktop home into a site (PostgreSQL) and a site back into a
 * home. The audit trail goes across as it is (same events, same hashes, same signed checkpoints and the key
 * that signed them), so `attest audit verify` passes on both sides with the same chain head. The order makes a
 * failure harmless: the source is verified and the target checked empty first (nothing written), artifacts
 * next (content-addressed: at most unreferenced files), then every record in one transaction, and only after
 * it commits the signing key file and the witness.
 */

export interface StoreMove {
  from: string;
  to: string;
  records: Record<string, number>;
  artifacts: ArtifactCopy;
  head: { seq: number; hash: string } | null;
  checkpoints: number;
  keyCopied: boolean;
  target: { ok: boolean; events: number; problems: string[]; warnings: string[] };
}

export function moveStore(source: Workspace, target: Workspace): StoreMove {
  const checked = verifyAuditTrail(source);
  if (!checked.ok)
    throw badInput(
      `the audit trail of ${source.databasePath} does not verify, so it is not carried across: ` +
        checked.problems
          .slice(0, 5)
          .map((p) => p.message)
          .join('; ') +
        (checked.problems.length > 5 ? `; and ${checked.problems.length - 5} more` : ''),
    );
  refuseUnfinishedJobs(source);
  refuseNonEmpty(target, nonEmptyTables(target.db));
  const keyToCopy = signingKeyToCopy(source, target);

  const artifacts = copyArtifacts(source.artifacts, target.artifacts);
  const records = readRecords(source.db);
  let written: Record<string, number>;
  try {
    written = writeRecords(target.db, records);
  } catch (error) {
    if (error instanceof TargetNotEmpty) refuseNonEmpty(target, error.tables);
    if (error instanceof AttestError) throw error;
    // A row the destination refuses (say two names that differ only in the case of a non-ASCII letter, which
    // PostgreSQL takes for the same name and SQLite does not): the whole transaction is rolled back.
    throw badInput(
      `the records could not be written to ${target.databasePath}, and none were (the transaction was rolled back): ${(error as Error).message}`,
    );
  }

  if (keyToCopy !== undefined) {
    const path = keyFilePath(target.home);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    copyFileSync(keyToCopy, path);
    chmodSync(path, 0o600);
  }
  const latest = latestCheckpoint(target.db);
  const witnessProblem = latest !== undefined ? recordWitness(target.home, latest) : null;
  const after = verifyAuditTrail(target);
  const events = records.get('audit_events') ?? [];
  const last = events[events.length - 1];
  const head = last !== undefined ? { seq: Number(last['seq']), hash: String(last['hash']) } : null;
  return {
    from: source.databasePath,
    to: target.databasePath,
    records: written,
    artifacts,
    head,
    checkpoints: records.get('audit_checkpoints')?.length ?? 0,
    keyCopied: keyToCopy !== undefined,
    target: summary(after, head, witnessProblem),
  };
}

/** The target's verification, failed as well when its head is not the one carried across. */
function summary(
  after: AuditVerification,
  head: { seq: number; hash: string } | null,
  witnessProblem: string | null,
): StoreMove['target'] {
  const problems = after.problems.map((p) => p.message);
  if ((after.head?.hash ?? null) !== (head?.hash ?? null))
    problems.push(
      `the chain head is ${after.head?.hash ?? 'empty'}, not the ${head?.hash ?? 'empty'} carried across`,
    );
  const warnings = witnessProblem !== null ? [...after.warnings, witnessProblem] : after.warnings;
  return { ok: problems.length === 0, events: after.events, problems, warnings };
}

function refuseUnfinishedJobs(source: Workspace): void {
  const open = source.db
    .prepare("SELECT id, kind, status FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at")
    .all() as { id: string; kind: string; status: string }[];
  if (open.length > 0)
    throw badInput(
      `${source.databasePath} has jobs that have not finished (${open
        .slice(0, 5)
        .map((j) => `${j.id} ${j.kind} ${j.status}`)
        .join(
          ', ',
        )}${open.length > 5 ? `, and ${open.length - 5} more` : ''}): wait for them or cancel them first`,
    );
}

function refuseNonEmpty(target: Workspace, tables: { table: string; rows: number }[]): void {
  if (tables.length === 0) return;
  throw badInput(
    `${target.databasePath} holds records already (${tables.map((t) => `${t.table}: ${t.rows}`).join(', ')}): ` +
      'records are moved into an empty store only, so that the audit trail carried in stays one chain from its ' +
      'first event (create a new database, or a new folder, for it)',
  );
}

/**
 * The key that signed the trail's checkpoints goes with it, so the target goes on signing with the key its
 * trail names. A target home that has a key of its own that the trail does not know is refused: two keys for
 * one trail would make the first checkpoint signed there fail (the key file would read as replaced).
 */
function signingKeyToCopy(source: Workspace, target: Workspace): string | undefined {
  const targetKey = keyFilePath(target.home);
  const sourceKey = keyFilePath(source.home);
  const keys = publicKeys(source.db);
  if (existsSync(targetKey)) {
    let keyId: unknown;
    try {
      keyId = (JSON.parse(readFileSync(targetKey, 'utf8')) as { keyId?: unknown }).keyId;
    } catch {
      keyId = undefined;
    }
    if (typeof keyId !== 'string' || !keys.has(keyId))
      throw badInput(
        `there is a signing key in ${target.home} already, not one of this audit trail's: move into a home folder without a key`,
        targetKey,
      );
    return undefined;
  }
  return existsSync(sourceKey) ? sourceKey : undefined;
}
