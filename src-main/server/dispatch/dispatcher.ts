import type { z } from 'zod';
import {
  ACTIONS,
  describeIssues,
  fail,
  isActionName,
  ok,
  type ActionName,
  type ActionResponse,
  type EngineEvent,
  type Result,
} from '../../contract/index.js';
import { AttestError, type ErrorCode } from '../../core/errors.js';
import type { Workspace } from '../../core/store/workspace.js';
import { runAsActor, runAtDesk } from '../../core/audit/log.js';
import { asUnauthenticated, authorize } from './site-access.js';
import { actorOf } from '../../core/audit/users.js';
import { DEFAULT_SESSION_POLICY, resumeSession, type SessionPolicy } from '../../core/audit/sessions.js';
import { JobQueue } from './job-queue.js';
import { methodHandlers } from './method-job-runners.js';
import { METHOD_JOB_KINDS } from '../../contract/jobs-methods.js';
import { imageHandlers } from './image-actions.js';
import { ProjectJobs, projectHandlers } from './project-actions.js';
import { DetectionReviews, detectionHandlers } from './detection-actions.js';
import { DETECTION_JOB_CHANGES } from '../../contract/jobs-detection.js';
import { MODEL_JOB_CHANGES } from '../../contract/jobs-models.js';
import { userHandlers } from './user-actions.js';
import { QueuedJobDesk } from '../queue/queued-job-desk.js';
import { fileHandlers } from './file-actions.js';
import type { Caller } from './caller.js';
import { catalogHandlers } from './catalog-actions.js';
import { recordHandlers } from './record-actions.js';
import { auditHandlers } from './audit-actions.js';
import { sessionHandlers } from './session-actions.js';
import { jobHandlers } from './job-actions.js';
import { liveJobRunner } from './live-job-runner.js';

/** An action's request as the dispatcher hands it over: parsed by its schema (defaults filled, names made current). */
type ParsedRequest<A extends ActionName> = z.output<(typeof ACTIONS)[A]['request']>;

/** One handler per action, taking that action's parsed request (a handler may ignore it or the caller). */
type Handlers = {
  [A in ActionName]: (
    payload: ParsedRequest<A>,
    caller: Caller,
  ) => ActionResponse<A> | Promise<ActionResponse<A>>;
};

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
  private readonly handlers: Handlers;

  private readonly site: { session: SessionPolicy } | undefined;

  constructor(
    readonly workspace: Workspace,
    private readonly emit: (event: EngineEvent) => void,
    options: DispatcherOptions = {},
  ) {
    this.site = options.site;
    this.queue = new JobQueue(liveJobRunner(workspace, this.projectJobs, emit), (event) =>
      this.emitJobEvent(event),
    );
    this.desk =
      options.queueUrl !== undefined
        ? new QueuedJobDesk(workspace, options.queueUrl, (event) => this.emitJobEvent(event))
        : undefined;
    // Grouped by area, one file each: the compiler checks that together they answer every action.
    this.handlers = {
      ...catalogHandlers(workspace),
      ...recordHandlers(workspace),
      ...auditHandlers(workspace),
      ...jobHandlers(workspace, this.queue, this.desk),
      ...sessionHandlers(workspace, this.site?.session ?? DEFAULT_SESSION_POLICY),
      ...methodHandlers(workspace),
      ...imageHandlers(workspace),
      ...detectionHandlers(new DetectionReviews(workspace)),
      ...userHandlers(workspace, (event) => this.emit(event)),
      ...fileHandlers(),
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
