import type { Workspace } from '../store/workspace.js';
import { computeEventHash, GENESIS_HASH, referencedArtifacts, type AuditEvent } from './event-hash.js';
import { rowToEvent } from './log.js';
import { verifyCheckpoints, type SignedCheckpoint } from './verify-checkpoints.js';
import { verifySignatures } from './verify-signatures.js';
import { verifyAccounts } from './verify-accounts.js';
import { verifySchema } from './verify-schema.js';
import { verifyWitness } from './verify-witness.js';
import { listCheckpoints, publicKeys } from './checkpoint.js';
import { isDatabaseDamage } from '../store/damaged-database.js';
import { asPostgres } from '../store/postgres/migrate-postgres.js';
import { verifyPostgresSchema } from './verify-schema-postgres.js';

export interface AuditProblem {
  kind:
    | 'unreadable-event'
    | 'sequence-gap'
    | 'broken-link'
    | 'hash-mismatch'
    | 'artifact-missing'
    | 'artifact-altered'
    | 'checkpoint-beyond-log'
    | 'checkpoint-root-mismatch'
    | 'checkpoint-head-mismatch'
    | 'checkpoint-signature-invalid'
    | 'key-unknown'
    | 'key-not-announced'
    | 'key-file-mismatch'
    | 'signature-altered'
    | 'signed-record-altered'
    | 'account-altered'
    | 'account-deleted'
    | 'schema-altered'
    | 'database-damaged'
    | 'witness-unreadable'
    | 'witness-key-unknown'
    | 'witness-signature-invalid'
    | 'witness-beyond-log'
    | 'witness-root-mismatch'
    | 'checkpoints-deleted'
    | 'key-unexpected';
  message: string;
  seq?: number;
  eventId?: string;
  sha256?: string;
  file?: string;
}

export interface AuditVerification {
  ok: boolean;
  events: number;
  head: { seq: number; hash: string } | null;
  artifactsChecked: number;
  /** The RFC 6962 Merkle tree head over every event's chain hash. */
  tree: { size: number; root: string };
  checkpoints: {
    count: number;
    latest: Omit<SignedCheckpoint, 'signature'> | null;
    eventsAfterLatest: number;
  };
  keys: string[];
  signatures: { count: number; valid: number };
  problems: AuditProblem[];
  /** Not tampering, but weaker evidence (e.g. events not yet covered by a signed checkpoint). */
  warnings: string[];
  /** The copy of the latest checkpoint kept outside the database, and where it is. */
  witness: { file: string; treeSize: number | null };
}

/**
 * SQLite's quick integrity check over every page of the file: an overwritten page is damage that the hash
 * chain may not even reach (an index, a table the trail does not cover).
 */
function integrityProblems(workspace: Workspace): AuditProblem[] {
  // A site store on PostgreSQL: page-level damage is the server's to detect (data checksums, amcheck), not
  // something a client can check through SQL.
  if (asPostgres(workspace.db) !== undefined) return [];
  let lines: string[];
  try {
    lines = (workspace.db.pragma('quick_check(20)') as { quick_check: string }[]).map((r) => r.quick_check);
  } catch (error) {
    lines = [(error as Error).message];
  }
  if (lines.length === 1 && lines[0] === 'ok') return [];
  // SQLite prefixes the findings with the schema name and may put many in one row: one line each, the first
  // few named (the rest counted), in one problem.
  const findings = lines
    .flatMap((row) => row.split('\n'))
    .map((line) => line.replace(/^\*\*\* in database \w+ \*\*\*$/, '').trim())
    .filter((line) => line !== '');
  const shown =
    findings.slice(0, 3).join('; ') + (findings.length > 3 ? `; and ${findings.length - 3} more` : '');
  return [
    {
      kind: 'database-damaged',
      file: workspace.databasePath,
      message: `the database file is damaged (SQLite integrity check: ${shown}): restore it from a backup`,
    },
  ];
}

/**
 * The whole verification, made to report rather than crash on a damaged file: the integrity check comes
 * first, and if SQLite then stops on a damaged page, what was found so far is the answer.
 */
export function verifyAuditTrail(workspace: Workspace): AuditVerification {
  const damage = integrityProblems(workspace);
  try {
    const result = verifyIntactFile(workspace);
    if (damage.length === 0) return result;
    return { ...result, ok: false, problems: [...damage, ...result.problems] };
  } catch (error) {
    if (damage.length === 0 && !isDatabaseDamage(error)) throw error;
    const problems =
      damage.length > 0
        ? damage
        : [
            {
              kind: 'database-damaged' as const,
              file: workspace.databasePath,
              message: `the database file is damaged (${(error as Error).message}): restore it from a backup`,
            },
          ];
    return {
      ok: false,
      events: 0,
      head: null,
      artifactsChecked: 0,
      tree: { size: 0, root: '' },
      checkpoints: { count: 0, latest: null, eventsAfterLatest: 0 },
      keys: [],
      signatures: { count: 0, valid: 0 },
      problems,
      warnings: [],
      witness: { file: '', treeSize: null },
    };
  }
}

/**
 * Recomputes the hash chain from the first event and re-hashes every artifact that an event or a stored row
 * refers to. Problems are listed in chain order, so the first one is the earliest point of tampering.
 */
function verifyIntactFile(workspace: Workspace): AuditVerification {
  // The schema first: a dropped append-only trigger is the door through which everything else was done.
  const site = asPostgres(workspace.db);
  const problems: AuditProblem[] =
    site !== undefined ? verifyPostgresSchema(site) : verifySchema(workspace.db);
  const rows = workspace.db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Parameters<
    typeof rowToEvent
  >[0][];
  const artifactOwners = new Map<string, string>();
  let previousHash = GENESIS_HASH;
  let expectedSeq = 1;
  let head: AuditVerification['head'] = null;
  const events: AuditEvent[] = [];

  for (const row of rows) {
    let event: AuditEvent;
    try {
      event = rowToEvent(row);
    } catch {
      problems.push({
        kind: 'unreadable-event',
        seq: row.seq,
        eventId: row.id,
        message: `event ${row.seq} payload is not valid JSON`,
      });
      previousHash = row.hash;
      expectedSeq = row.seq + 1;
      continue;
    }
    if (event.seq !== expectedSeq) {
      problems.push({
        kind: 'sequence-gap',
        seq: event.seq,
        eventId: event.id,
        message: `event ${expectedSeq} is missing before event ${event.seq}`,
      });
    }
    if (event.prevHash !== previousHash) {
      problems.push({
        kind: 'broken-link',
        seq: event.seq,
        eventId: event.id,
        message: `event ${event.seq} does not link to the event before it`,
      });
    }
    if (computeEventHash(event) !== event.hash) {
      problems.push({
        kind: 'hash-mismatch',
        seq: event.seq,
        eventId: event.id,
        message: `event ${event.seq} (${event.action}) was altered: its content no longer matches its hash`,
      });
    }
    events.push(event);
    for (const sha of referencedArtifacts(event.payload)) {
      if (!artifactOwners.has(sha)) artifactOwners.set(sha, `event ${event.seq} (${event.action})`);
    }
    previousHash = event.hash;
    expectedSeq = event.seq + 1;
    head = { seq: event.seq, hash: event.hash };
  }

  // Rows that point at artifacts are checked as well, so that swapping a model file is caught even if the
  // event that created it were somehow missing.
  const rowArtifacts = workspace.db
    .prepare(
      `SELECT 'model ' || id AS owner, artifact_sha256 AS sha FROM models
       UNION ALL SELECT 'dataset ' || id, data_sha256 FROM datasets
       UNION ALL SELECT 'checkpoint ' || job_id || '/' || epoch, artifact_sha256 FROM checkpoints`,
    )
    .all() as { owner: string; sha: string }[];
  for (const { owner, sha } of rowArtifacts) if (!artifactOwners.has(sha)) artifactOwners.set(sha, owner);

  for (const [sha, owner] of artifactOwners) {
    let status: 'ok' | 'missing' | 'altered';
    try {
      status = workspace.artifacts.verify(sha);
    } catch {
      status = 'missing';
    }
    if (status === 'ok') continue;
    const file = /^[0-9a-f]{64}$/.test(sha) ? workspace.artifacts.pathOf(sha) : sha;
    problems.push({
      kind: status === 'missing' ? 'artifact-missing' : 'artifact-altered',
      sha256: sha,
      file,
      message: `artifact of ${owner} is ${status === 'missing' ? 'missing' : 'altered (its SHA-256 no longer matches)'}: ${file}`,
    });
  }

  const hashes = rows.map((r) => r.hash);
  const checkpoints = verifyCheckpoints(workspace, hashes, events);
  const signatures = verifySignatures(workspace.db, events);
  const witness = verifyWitness(workspace, hashes, listCheckpoints(workspace.db), publicKeys(workspace.db));
  problems.push(
    ...checkpoints.problems,
    ...witness.problems,
    ...signatures.problems,
    ...verifyAccounts(workspace.db, events),
  );

  return {
    ok: problems.length === 0,
    events: rows.length,
    head,
    artifactsChecked: artifactOwners.size,
    tree: checkpoints.tree,
    checkpoints: checkpoints.summary,
    keys: checkpoints.keys,
    signatures: signatures.summary,
    problems,
    warnings: [...checkpoints.warnings, ...witness.warnings],
    witness: { file: witness.file, treeSize: witness.witness?.treeSize ?? null },
  };
}
