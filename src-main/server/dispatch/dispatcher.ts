import type { z } from 'zod';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACTIONS,
  describeIssues,
  fail,
  isActionName,
  ok,
  type ActionName,
  type ActionRequest,
  type ActionResponse,
  type EngineEvent,
  type Result,
} from '../../contract/index.js';
import { AttestError, badInput, type ErrorCode } from '../../core/errors.js';
import type { Workspace } from '../../core/store/workspace.js';
import { datasetGroups, listDatasets } from '../../core/store/datasets.js';
import { listModels } from '../../core/store/models.js';
import { listMeasurements } from '../../core/store/model-measurements.js';
import { listJobs, markInterruptedJobs } from '../../core/store/jobs.js';
import { loadDataset } from '../../core/data/dataset-kinds.js';
import { validationsOfModel } from '../../core/store/validations.js';
import { hasUsers, listAuditEvents, runAsActor, runAtDesk } from '../../core/audit/log.js';
import { asUnauthenticated, authorize } from './site-access.js';
import { addComment, commentOnCurrentVersion, listComments } from '../../core/audit/comments.js';
import { modelErrors } from '../../core/predict/model-errors.js';
import { explainSample } from '../../core/explain/explain-sample.js';
import {
  annotatedRecordPaths,
  previewRecordSplit,
  recordClassCounts,
} from '../../core/data/split-sufficiency-preview.js';
import { actorOf, checkPasswordAsync, type UserRow } from '../../core/audit/users.js';
import {
  DEFAULT_SESSION_POLICY,
  resumeSession,
  signIn,
  signOut,
  type SessionPolicy,
} from '../../core/audit/sessions.js';
import { listSignatures, signatureStatus, signRecord } from '../../core/audit/signatures.js';
import { createCheckpoint } from '../../core/audit/checkpoint.js';
import { verifyAuditTrail } from '../../core/audit/verify.js';
import { engineInfo } from '../../core/engine/backend.js';
import { ARCHITECTURES, isOffered } from '../../core/models/registry.js';
import { datasetInputOf, recommendArchitecture } from '../../core/models/recommended-architecture.js';
import { SUITES } from '../../core/pipelines/validate/validate-model.js';
import { resourcePath } from '../../core/util/resources.js';
import { ATTEST_VERSION } from '../../core/util/version.js';
import { JobQueue } from './job-queue.js';
import { jobTitle, runJobSpec } from './job-runners.js';
import { EXPORT_NAME, exportsDir, listExports } from './exports.js';
import { verifyBundle } from '../../core/audit/bundle-verifier.js';
import { RecordViewers } from './record-viewers.js';
import { predictRecordBeats } from '../../core/viewer/record-predictions.js';
import { initEngine } from '../../core/engine/backend.js';
import { methodHandlers } from './method-job-runners.js';
import { importedModelStatus } from '../../core/validate/model-suite-status.js';
import { METHOD_JOB_KINDS } from '../../contract/jobs-methods.js';
import { imageHandlers } from './image-actions.js';
import { ProjectJobs, projectHandlers } from './project-actions.js';
import { DetectionReviews, detectionHandlers } from './detection-actions.js';
import { DETECTION_JOB_CHANGES } from '../../contract/jobs-detection.js';
import { MODEL_JOB_CHANGES } from '../../contract/jobs-models.js';
import { datasetProjectMap, modelProjectMap } from '../../core/projects/project-membership.js';
import { DEFAULT_PROJECT_ID } from '../../core/projects/projects.js';
import { userHandlers } from './user-actions.js';
import { historyJobTitles, namedJobTitle } from './named-job-title.js';
import { QueuedJobDesk } from '../queue/queued-job-desk.js';
import { fileHandlers } from './file-actions.js';
import { compareModels } from '../../core/pipelines/compare/compare-models.js';
import type { EpochPoint, TrainingPoint } from '../../core/jobs/job-context.js';

/** An action's request as the dispatcher hands it over: parsed by its schema (defaults filled, names made current). */
type ParsedRequest<A extends ActionName> = z.output<(typeof ACTIONS)[A]['request']>;

/** One handler per action, taking that action's parsed request (a handler may ignore it or the caller). */
type Handlers = {
  [A in ActionName]: (
    payload: ParsedRequest<A>,
    caller: Caller,
  ) => ActionResponse<A> | Promise<ActionResponse<A>>;
};

/** Who sent a request: the sign-in session it carried and its user, when it carried a live one. */
interface Caller {
  session?: string;
  user?: UserRow;
}

function userView(user: UserRow) {
  return { name: user.name, printedName: user.printedName, role: user.role };
}

/** What each finished job kind changed in the store, so that the UI refreshes only those lists. */
const CHANGES: Record<string, ('datasets' | 'models' | 'validations' | 'audit')[]> = {
  'import-wfdb': ['datasets', 'audit'],
  'import-synthetic': ['datasets', 'audit'],
  'import-edf': ['datasets', 'audit'],
  'import-timeseries': ['datasets', 'audit'],
  train: ['models', 'audit'],
  compress: ['models', 'audit'],
  validate: ['validations', 'audit'],
  report: ['audit'],
  measure: ['models', 'audit'],
  'audit-bundle': ['audit'],
  'export-model': ['audit'],
  'import-images': ['datasets', 'audit'],
  'audit-bundle-project': ['audit'],
  ...Object.fromEntries(METHOD_JOB_KINDS.map((kind) => [kind, ['models', 'validations', 'audit'] as const])),
  ...DETECTION_JOB_CHANGES,
  ...MODEL_JOB_CHANGES,
};

/** Live training points within an epoch: often enough to see a long epoch move, few enough for the UI. */
const LIVE_POINT_INTERVAL_MS = 500;

function sampleRecords(): string[] {
  try {
    return readdirSync(resourcePath('mitdb'))
      .filter((f) => f.endsWith('.hea'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

function latestMeasurement(workspace: Workspace, modelId: string) {
  const rows = listMeasurements(workspace.db, modelId).sort((a, b) =>
    b.measuredAt.localeCompare(a.measuredAt),
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    backend: row.backend,
    sizeBytes: row.sizeBytes,
    gzipBytes: row.gzipBytes,
    flops: row.flops,
    sparseFlops: row.sparseFlops,
    latencyMs: row.latencyMs,
    batchedMsPerSample: row.batchedMsPerSample,
    runs: row.runs,
    measuredAt: row.measuredAt,
  };
}

function currentBackend(): string | null {
  try {
    return engineInfo().backend;
  } catch {
    return null;
  }
}

export interface DispatcherOptions {
  /** A Redis URL: jobs go on the site's job queue and `attest worker` processes run them (site mode). */
  queueUrl?: string;
  /**
   * A site (`attest site serve`): every action but the sign-in needs a live session of a role that may call it
   * (server/site-roles.ts), sessions last as the site says, and the audit trail records each request's desk.
   */
  site?: { session: SessionPolicy };
}

/**
 * The dispatcher behind every front door (Electron's host process, `attest serve`): one workspace, one job queue,
 * and `dispatch`, which refuses unknown actions, parses every payload against the contract and returns errors as
 * data. Not to be confused with the TF.js runtime (core/engine).
 */
export class Dispatcher {
  readonly queue: JobQueue;
  /** Set in site mode: started jobs go to the job queue instead of the local one. */
  readonly desk: QueuedJobDesk | undefined;
  readonly projectJobs = new ProjectJobs();
  private readonly viewers: RecordViewers;
  private readonly handlers: Handlers;

  private readonly site: { session: SessionPolicy } | undefined;

  constructor(
    readonly workspace: Workspace,
    private readonly emit: (event: EngineEvent) => void,
    options: DispatcherOptions = {},
  ) {
    this.site = options.site;
    this.viewers = new RecordViewers(workspace);
    this.queue = new JobQueue(
      async (spec, context, jobId, actor) => {
        let lastPoint = 0;
        const watched = {
          ...context,
          trainingPoint: (point: TrainingPoint) => {
            if (!Number.isFinite(point.loss)) return;
            const now = Date.now();
            if (now - lastPoint < LIVE_POINT_INTERVAL_MS) return;
            lastPoint = now;
            this.emit({ type: 'job.batch', jobId, ...point });
          },
          // Each epoch's point comes from the fit loop as it stores the checkpoint.
          trainingEpoch: (point: EpochPoint) => this.emit({ type: 'job.epoch', jobId, ...point }),
        };
        const work = () =>
          this.projectJobs.around(
            workspace,
            jobId,
            spec.kind,
            () => runJobSpec(workspace, spec, watched),
            context.log,
          );
        return actor !== undefined ? runAsActor(actor, work) : work();
      },
      (event) => this.emitJobEvent(event),
    );
    this.desk =
      options.queueUrl !== undefined
        ? new QueuedJobDesk(workspace, options.queueUrl, (event) => this.emitJobEvent(event))
        : undefined;
    this.handlers = {
      'engine.info': () => ({
        version: ATTEST_VERSION,
        backend: currentBackend(),
        home: workspace.home,
        sampleRecords: sampleRecords(),
        // Only the architectures offered: one that does not learn from scratch is not put before a user.
        architectures: Object.entries(ARCHITECTURES)
          .filter(([, a]) => isOffered(a))
          .map(([name, a]) => ({
            name,
            description: a.description,
            inputKinds: a.inputKinds,
          })),
        suites: [...SUITES],
      }),
      'datasets.list': () => {
        const projects = datasetProjectMap(workspace.db);
        return {
          datasets: listDatasets(workspace.db).map((d) => ({
            id: d.id,
            name: d.name,
            kind: d.kind,
            projectId: projects.get(d.id) ?? DEFAULT_PROJECT_ID,
            createdAt: d.createdAt,
            summary: d.summary,
            groups: datasetGroups(workspace.db, d.id),
            recommendedArch: recommendedFor(d),
          })),
        };
      },
      'models.list': () => {
        const projects = modelProjectMap(workspace.db);
        return {
          models: listModels(workspace.db).map((m) => ({
            projectId: projects.get(m.id) ?? DEFAULT_PROJECT_ID,
            measurement: latestMeasurement(workspace, m.id),
            id: m.id,
            name: m.name,
            arch: m.arch,
            datasetId: m.datasetId,
            parentId: m.parentId,
            recipe: m.recipe,
            sizeBytes: m.sizeBytes,
            params: m.params,
            nonzeroParams: m.nonzeroParams,
            backend: m.backend,
            createdAt: m.createdAt,
            summary: m.summary,
            imported: importedModelStatus(m) ?? null,
          })),
        };
      },
      'datasets.samples': (payload: { datasetId: string; indices: number[] }) => {
        const dataset = loadDataset(workspace, payload.datasetId);
        const bad = payload.indices.find((i) => i >= dataset.count);
        if (bad !== undefined)
          throw badInput(`dataset ${dataset.id} has ${dataset.count} samples; there is no sample ${bad}`);
        const size = dataset.sampleShape.reduce((a, b) => a * b, 1);
        const inputs = dataset.inputs(payload.indices);
        return {
          sampleShape: dataset.sampleShape,
          classes: dataset.classes,
          samples: payload.indices.map((index, k) => ({
            index,
            label: dataset.classes[dataset.labels[index] ?? 0] ?? '?',
            group: dataset.groups[dataset.group[index] ?? 0] ?? '?',
            // Rounded: a strip or a thumbnail needs no more, and the answer stays small.
            values: Array.from(inputs.subarray(k * size, (k + 1) * size), (v) => Math.round(v * 1000) / 1000),
          })),
        };
      },
      'records.strip': async (payload: {
        datasetId: string;
        record: string;
        start: number;
        duration: number;
        points?: number;
        modelId?: string;
      }) => {
        const viewer = this.viewers.open(payload.datasetId, payload.record);
        if (payload.modelId !== undefined) {
          await initEngine();
          viewer.setPredictions(
            await predictRecordBeats(workspace, payload.modelId, payload.datasetId, payload.record),
          );
        } else viewer.setPredictions(undefined);
        return viewer.strip({
          start: payload.start,
          duration: payload.duration,
          points: payload.points ?? 1200,
        });
      },
      'validations.list': (payload: { modelId?: string }) => {
        const models =
          payload.modelId !== undefined ? [payload.modelId] : listModels(workspace.db).map((m) => m.id);
        return { validations: models.flatMap((id) => validationsOfModel(workspace.db, id)) };
      },
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
      'jobs.list': () => ({ jobs: this.desk !== undefined ? this.desk.list() : this.queue.list() }),
      'jobs.history': () => {
        markInterruptedJobs(workspace.db);
        const titleOf = historyJobTitles(workspace);
        return {
          jobs: listJobs(workspace.db)
            .reverse()
            .slice(0, 200)
            .map((j) => ({
              id: j.id,
              title: titleOf(j.kind, j.params),
              kind: j.kind,
              status: j.status,
              progress: j.progress,
              message: j.message,
              createdAt: j.createdAt,
              finishedAt: j.finishedAt,
            })),
        };
      },
      'jobs.start': (spec: Parameters<typeof jobTitle>[0], caller: Caller) => {
        // Refused now rather than after the job waited in the queue: once accounts exist, changes need a user.
        if (caller.user === undefined && hasUsers(workspace.db))
          throw badInput('this installation has user accounts: sign in to start a job');
        const actor = caller.user !== undefined ? actorOf(caller.user) : undefined;
        if (this.desk !== undefined) return this.desk.start(spec, actor).then((job) => ({ job }));
        return { job: this.queue.enqueue(spec, namedJobTitle(workspace, spec), actor) };
      },
      'session.status': (_payload: unknown, caller: Caller) => ({
        usersExist: hasUsers(workspace.db),
        user: caller.user !== undefined ? userView(caller.user) : null,
      }),
      'session.signIn': async (payload: { name: string; password: string }) => {
        // The scrypt runs on the thread pool first: other desks' requests are answered meanwhile.
        const verdict = await checkPasswordAsync(workspace.db, payload.name, payload.password);
        const session = signIn(
          workspace.db,
          payload.name,
          payload.password,
          new Date(),
          this.site?.session ?? DEFAULT_SESSION_POLICY,
          verdict,
        );
        return { token: session.token, user: userView(session.user), expiresAt: session.expiresAt };
      },
      'session.signOut': (_payload: unknown, caller: Caller) => {
        if (caller.session !== undefined) signOut(workspace.db, caller.session);
        return { signedOut: caller.session !== undefined };
      },
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
      'records.splitPreview': (payload: {
        sampleRecords?: string[];
        paths?: string[];
        split: string;
        seconds?: number;
      }) => {
        const available = sampleRecords();
        const unknown = (payload.sampleRecords ?? []).filter((r) => !available.includes(r));
        if (unknown.length > 0) throw badInput(`not a bundled sample record: ${unknown.join(', ')}`);
        const inputs = [
          ...(payload.sampleRecords ?? []).map((r) => resourcePath('mitdb', r)),
          ...(payload.paths ?? []),
        ];
        if (inputs.length === 0) throw badInput('choose at least one record');
        const seconds = payload.seconds !== undefined ? { seconds: payload.seconds } : {};
        return previewRecordSplit(
          annotatedRecordPaths(inputs).map((path) => recordClassCounts(path, seconds)),
          payload.split,
        );
      },
      'models.explainSample': async (payload: ActionRequest<'models.explainSample'>) => {
        await initEngine();
        return explainSample(workspace, payload);
      },
      'models.errors': async (payload: {
        modelId: string;
        datasetId: string;
        trueClass?: string;
        predictedClass?: string;
        limit?: number;
      }) => {
        await initEngine();
        const { classes, samples, wrong, matching, counts, errors } = await modelErrors(workspace, payload);
        return { classes, samples, wrong, matching, counts, errors };
      },
      'records.comment': (payload: {
        entityType: 'validation' | 'model';
        entityId: string;
        text: string;
      }) => ({
        comment: addComment(workspace, payload),
      }),
      'records.comments': (payload: { entityIds?: string[] }) => ({
        comments: listComments(workspace.db, payload.entityIds).map((c) => ({
          ...c,
          onCurrentVersion: commentOnCurrentVersion(workspace.db, c),
        })),
      }),
      'jobs.cancel': (payload: { jobId: string }) =>
        this.desk !== undefined
          ? this.desk.cancel(payload.jobId).then((cancelled) => ({ cancelled }))
          : { cancelled: this.queue.cancel(payload.jobId) },
      ...methodHandlers(workspace),
      ...imageHandlers(workspace),
      ...detectionHandlers(new DetectionReviews(workspace)),
      ...userHandlers(workspace, (event) => this.emit(event)),
      ...fileHandlers(),
      'models.compare': async (payload: ActionRequest<'models.compare'>) => {
        await initEngine();
        return compareModels(workspace, payload);
      },
      ...projectHandlers(workspace, {
        queue: this.queue,
        projectJobs: this.projectJobs,
        emit: (event) => this.emit(event),
      }),
    };
  }

  /** Job events go out as they are; a job that succeeded also tells the UI which lists it changed. */
  private emitJobEvent(event: EngineEvent): void {
    this.emit(event);
    if (event.type === 'job' && event.job.state === 'succeeded') {
      for (const what of CHANGES[event.job.kind] ?? []) this.emit({ type: 'store.changed', what });
    }
  }

  /**
   * `session` is the user's sign-in token: the request then acts as that user (the audit trail names them). An
   * expired session is an error for everything but the status and a new sign-in, so the UI asks again.
   */
  async dispatch(
    action: string,
    payload: unknown,
    session?: string,
    desk?: string,
  ): Promise<Result<unknown>> {
    if (!isActionName(action)) return fail('BAD_INPUT', `unknown action "${action.slice(0, 100)}"`);
    const parsed = ACTIONS[action].request.safeParse(payload ?? {});
    if (!parsed.success) return fail('BAD_INPUT', `${action}: ${describeIssues(parsed.error)}`);
    const atDesk = <T>(fn: () => T): T =>
      this.site !== undefined && desk !== undefined ? runAtDesk(desk, fn) : fn();
    try {
      return await atDesk(async () => {
        const caller: Caller = {};
        if (session !== undefined && action !== 'session.signIn') {
          caller.session = session;
          try {
            caller.user = resumeSession(
              this.workspace.db,
              session,
              new Date(),
              this.site?.session ?? DEFAULT_SESSION_POLICY,
            );
          } catch (error) {
            if (action !== 'session.status') throw asUnauthenticated(this.site, error);
          }
        }
        if (this.site !== undefined) authorize(this.workspace, action, caller.user);
        const handler = this.handlers[action] as (payload: unknown, caller: Caller) => unknown;
        const run = () => handler(parsed.data, caller);
        try {
          return ok(await (caller.user !== undefined ? runAsActor(actorOf(caller.user), run) : run()));
        } catch (error) {
          // A wrong password at the site's sign-in (counted and audited by the core) is a 401 to the browser.
          throw action === 'session.signIn' ? asUnauthenticated(this.site, error) : error;
        }
      });
    } catch (error) {
      const code: ErrorCode = error instanceof AttestError ? error.code : 'INTERNAL';
      return fail(code, error instanceof Error ? error.message : String(error));
    }
  }
}

/** The architecture recommended for a dataset, or null when Attest offers none for its kind. */
function recommendedFor(row: {
  kind: string;
  summary: Record<string, unknown>;
}): { arch: string; reason: string } | null {
  try {
    return recommendArchitecture(datasetInputOf(row));
  } catch {
    return null;
  }
}
