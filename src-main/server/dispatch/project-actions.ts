import { checkRecordsInProject } from '../../core/projects/project-scope.js';
import type { ActionRequest, ActionResponse, EngineEvent, JobView } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { UserRow } from '../../core/audit/users.js';
import { actorOf } from '../../core/audit/users.js';
import { hasUsers } from '../../core/audit/log.js';
import { badInput } from '../../core/errors.js';
import {
  createProject,
  DEFAULT_PROJECT_ID,
  getProject,
  listProjects,
  renameProject,
} from '../../core/projects/projects.js';
import { assignToProject, projectCounts } from '../../core/projects/project-membership.js';
import type { JobQueue } from './job-queue.js';
import type { jobTitle } from './job-runners.js';
import { namedJobTitle } from './named-job-title.js';

/**
 * Jobs started in a project (`projects.startJob`): when one ends well, the dataset it imported or the model it
 * made is put in that project, inside the job and as its user, so the audit trail shows who did both.
 */
export class ProjectJobs {
  private readonly projectOfJob = new Map<string, string>();

  remember(jobId: string, projectId: string): void {
    this.projectOfJob.set(jobId, projectId);
  }

  /** Returns a note for the job's log when the record could not be put in the project (it stays stored). */
  settle(workspace: Workspace, jobId: string, kind: string, result: unknown): string | undefined {
    const projectId = this.projectOfJob.get(jobId);
    if (projectId === undefined) return undefined;
    this.projectOfJob.delete(jobId);
    const r = (result ?? {}) as { datasetId?: unknown; modelId?: unknown };
    const target =
      kind.startsWith('import') && typeof r.datasetId === 'string'
        ? (['dataset', r.datasetId] as const)
        : typeof r.modelId === 'string'
          ? (['model', r.modelId] as const)
          : undefined;
    if (target === undefined) return undefined;
    try {
      assignToProject(workspace.db, target[0], target[1], projectId);
      return undefined;
    } catch (error) {
      return `the ${target[0]} ${target[1]} is stored but could not be put in project ${projectId}: ${(error as Error).message}`;
    }
  }

  /** Runs a job's work and settles its project: what the engine's queue calls for every job. */
  async around<T>(
    workspace: Workspace,
    jobId: string,
    kind: string,
    work: () => Promise<T>,
    log: (message: string) => void,
  ): Promise<T> {
    try {
      const result = await work();
      const note = this.settle(workspace, jobId, kind, result);
      if (note !== undefined) log(note);
      return result;
    } finally {
      this.projectOfJob.delete(jobId);
    }
  }
}

interface ProjectEngine {
  queue: JobQueue;
  projectJobs: ProjectJobs;
  emit(event: EngineEvent): void;
}

/** Lists refresh after a project change: each dataset and model carries its project. */
function changed(engine: ProjectEngine): void {
  for (const what of ['datasets', 'models', 'audit'] as const) engine.emit({ type: 'store.changed', what });
}

export function projectHandlers(workspace: Workspace, engine: ProjectEngine) {
  const db = workspace.db;
  return {
    'projects.list': (): ActionResponse<'projects.list'> => {
      const counts = projectCounts(db);
      return {
        projects: listProjects(db).map((p) => ({
          ...p,
          isDefault: p.id === DEFAULT_PROJECT_ID,
          datasets: counts.get(p.id)?.datasets ?? 0,
          models: counts.get(p.id)?.models ?? 0,
        })),
      };
    },
    'projects.create': (payload: ActionRequest<'projects.create'>): ActionResponse<'projects.create'> => {
      const project = createProject(db, payload.name);
      engine.emit({ type: 'store.changed', what: 'audit' });
      return { project };
    },
    'projects.rename': (payload: ActionRequest<'projects.rename'>): ActionResponse<'projects.rename'> => {
      const project = renameProject(db, payload.projectId, payload.name);
      engine.emit({ type: 'store.changed', what: 'audit' });
      return { project };
    },
    'projects.assign': (payload: ActionRequest<'projects.assign'>): ActionResponse<'projects.assign'> => {
      const result = assignToProject(db, payload.entityType, payload.entityId, payload.projectId);
      if (result.changed) changed(engine);
      return { changed: result.changed, from: result.from };
    },
    'projects.startJob': (
      payload: ActionRequest<'projects.startJob'>,
      caller: { user?: UserRow },
    ): ActionResponse<'projects.startJob'> => {
      if (caller.user === undefined && hasUsers(db))
        throw badInput('this installation has user accounts: sign in to start a job');
      getProject(db, payload.projectId);
      const spec = payload.spec as Parameters<typeof jobTitle>[0];
      checkRecordsInProject(db, payload.projectId, spec as Record<string, unknown>);
      const job: JobView = engine.queue.enqueue(
        spec,
        namedJobTitle(workspace, spec),
        caller.user !== undefined ? actorOf(caller.user) : undefined,
      );
      engine.projectJobs.remember(job.id, payload.projectId);
      return { job };
    },
  };
}
