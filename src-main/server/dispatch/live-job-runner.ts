import type { EngineEvent } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { runAsActor } from '../../core/audit/log.js';
import type { EpochPoint, TrainingPoint } from '../../core/jobs/job-context.js';
import type { JobRunner } from './job-queue.js';
import { runJobSpec } from './job-runners.js';
import type { ProjectJobs } from './project-actions.js';

/** Live training points within an epoch: often enough to see a long epoch move, few enough for the UI. */
const LIVE_POINT_INTERVAL_MS = 500;

/**
 * What the local queue runs for each job: the job's work, as its user, settled into its project, with training
 * points and epochs sent to the UI as events while it runs.
 */
export function liveJobRunner(
  workspace: Workspace,
  projectJobs: ProjectJobs,
  emit: (event: EngineEvent) => void,
): JobRunner {
  return async (spec, context, jobId, actor) => {
    let lastPoint = 0;
    const watched = {
      ...context,
      trainingPoint: (point: TrainingPoint) => {
        if (!Number.isFinite(point.loss)) return;
        const now = Date.now();
        if (now - lastPoint < LIVE_POINT_INTERVAL_MS) return;
        lastPoint = now;
        emit({ type: 'job.batch', jobId, ...point });
      },
      // Each epoch's point comes from the fit loop as it stores the checkpoint.
      trainingEpoch: (point: EpochPoint) => emit({ type: 'job.epoch', jobId, ...point }),
    };
    const work = () =>
      projectJobs.around(
        workspace,
        jobId,
        spec.kind,
        () => runJobSpec(workspace, spec, watched),
        context.log,
      );
    return actor !== undefined ? runAsActor(actor, work) : work();
  };
}
