import type { Workspace } from '../../store/workspace.js';
import type { JobContext } from '../../jobs/job-context.js';
import { trainModel, type TrainResult } from './train-model.js';
import { resumePointOf } from './resume-training.js';

/**
 * Resumes an unfinished train job (CLI `train --resume`, the Jobs page's Resume): its own settings, from its
 * last checkpoint; a new time limit may be given, the old one is not carried over.
 */
export async function resumeTraining(
  workspace: Workspace,
  jobId: string,
  o: { maxMinutes?: number },
  context: JobContext,
): Promise<TrainResult> {
  const point = resumePointOf(workspace, jobId);
  const { maxMinutes: _previousLimit, ...settings } = point.options;
  context.log(
    `resuming job ${jobId} after epoch ${point.resume.checkpoints.at(-1)?.epoch ?? 0} of ${settings.epochs}`,
  );
  return trainModel(
    workspace,
    { ...settings, ...(o.maxMinutes !== undefined ? { maxMinutes: o.maxMinutes } : {}) },
    context,
    point.resume,
  );
}
