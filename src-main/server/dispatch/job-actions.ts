import type { Workspace } from '../../core/store/workspace.js';
import { hasUsers } from '../../core/audit/log.js';
import { actorOf } from '../../core/audit/users.js';
import { badInput } from '../../core/errors.js';
import { listJobs, markInterruptedJobs } from '../../core/store/jobs.js';
import type { QueuedJobDesk } from '../queue/queued-job-desk.js';
import type { JobQueue } from './job-queue.js';
import type { jobTitle } from './job-runners.js';
import { historyJobTitles, namedJobTitle } from './named-job-title.js';
import type { Caller } from './caller.js';

/**
 * The job actions: start, list and cancel jobs on the local queue, or on the site's job queue (`desk`) when there
 * is one, and the stored history of past jobs.
 */
export function jobHandlers(workspace: Workspace, queue: JobQueue, desk: QueuedJobDesk | undefined) {
  return {
    'jobs.list': () => ({ jobs: desk !== undefined ? desk.list() : queue.list() }),
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
      if (desk !== undefined) return desk.start(spec, actor).then((job) => ({ job }));
      return { job: queue.enqueue(spec, namedJobTitle(workspace, spec), actor) };
    },
    'jobs.cancel': (payload: { jobId: string }) =>
      desk !== undefined
        ? desk.cancel(payload.jobId).then((cancelled) => ({ cancelled }))
        : { cancelled: queue.cancel(payload.jobId) },
  };
}
