import type { Workspace } from '../store/workspace.js';
import { finishJob, insertRunningJob, markInterruptedJobs, updateJobProgress } from '../store/jobs.js';
import { AttestError } from '../errors.js';
import { newId } from '../util/ids.js';
import type { JobContext } from './job-context.js';

/**
 * Runs one job with its state in SQLite: running while it works, then succeeded, failed or cancelled. Progress is
 * written at most twice a second so that a long training does not hammer the database.
 */
export async function runJob<T>(
  workspace: Workspace,
  kind: string,
  params: Record<string, unknown>,
  context: JobContext,
  work: (jobId: string, context: JobContext) => Promise<T>,
): Promise<T> {
  markInterruptedJobs(workspace.db);
  const jobId = newId('job');
  insertRunningJob(workspace.db, jobId, kind, params);
  let lastWrite = 0;
  const tracked: JobContext = {
    signal: context.signal,
    log: context.log,
    ...(context.trainingPoint !== undefined ? { trainingPoint: context.trainingPoint } : {}),
    ...(context.trainingEpoch !== undefined ? { trainingEpoch: context.trainingEpoch } : {}),
    progress(fraction, message) {
      context.progress(fraction, message);
      const now = Date.now();
      if (now - lastWrite > 500) {
        lastWrite = now;
        updateJobProgress(workspace.db, jobId, fraction, message);
      }
    },
  };
  try {
    const result = await work(jobId, tracked);
    finishJob(workspace.db, jobId, 'succeeded', { result });
    return result;
  } catch (error) {
    const cancelled = error instanceof AttestError && error.code === 'CANCELLED';
    const message = error instanceof Error ? error.message : String(error);
    finishJob(workspace.db, jobId, cancelled ? 'cancelled' : 'failed', {
      error: { code: error instanceof AttestError ? error.code : 'INTERNAL', message },
      message,
    });
    throw error;
  }
}
