import type { Workspace } from '../../store/workspace.js';
import type { tfl } from '../../engine/tf.js';
import { AttestError, badInput } from '../../errors.js';
import { getJob, insertCheckpoint, listJobs, markInterruptedJobs } from '../../store/jobs.js';
import { decodeModelArtifact } from '../../models/artifact.js';
import { predictClasses } from '../../predict/predict.js';
import { classificationMetrics, type ClassificationMetrics } from '../../metrics/metrics.js';
import type { EpochRecord, TrainOptions } from './train-model.js';

/*
 * Resuming a training that a crash, a kill or a cancel cut off: the new job starts from the weights of the
 * last checkpoint and carries on with the epochs still due, with the same seeded shuffling and learning-rate
 * schedule the uninterrupted run would have used. The Adam moments are not in a checkpoint, so they restart
 * from zero: a resumed run is close to, not bit-identical with, an uninterrupted one.
 */

export interface StoredCheckpoint {
  epoch: number;
  sha256: string;
  loss: number;
  accuracy: number;
  macroF1: number;
}

export interface ResumePoint {
  jobId: string;
  checkpoints: StoredCheckpoint[];
}

/** Settings recorded in a train job's params that are not training options. */
const NOT_OPTIONS = ['optimizer', 'loss', 'resumedFrom'];

/** The options and checkpoints of an unfinished train job, refused with a sentence when it cannot resume. */
export function resumePointOf(
  workspace: Workspace,
  jobId: string,
): { options: TrainOptions; resume: ResumePoint } {
  markInterruptedJobs(workspace.db);
  const job = getJob(workspace.db, jobId);
  if (job === undefined)
    throw new AttestError('NOT_FOUND', `no job with id ${jobId} (see \`attest jobs list\`)`);
  if (job.kind !== 'train') throw badInput(`job ${jobId} is a ${job.kind} job; only train jobs resume`);
  if (job.status === 'running')
    throw badInput(`job ${jobId} is still running (process ${job.pid ?? '?'}); cancel it first`);
  if (job.status === 'succeeded') throw badInput(`job ${jobId} finished; its model is stored`);
  const later = listJobs(workspace.db).find(
    (j) => j.params['resumedFrom'] === jobId && (j.status === 'running' || j.status === 'succeeded'),
  );
  if (later !== undefined)
    throw badInput(`job ${jobId} was already resumed as job ${later.id} (${later.status}); resume that one`);
  if (job.params['semi'] !== undefined)
    throw badInput(
      `job ${jobId} trained with --semi, whose teacher model is not in the checkpoints; train it again`,
    );
  const rows = workspace.db
    .prepare('SELECT epoch, artifact_sha256, metrics_json FROM checkpoints WHERE job_id = ? ORDER BY epoch')
    .all(jobId) as { epoch: number; artifact_sha256: string; metrics_json: string }[];
  if (rows.length === 0)
    throw badInput(
      `job ${jobId} stopped before its first epoch ended: there is no checkpoint to resume from`,
    );
  const checkpoints = rows.map((r) => {
    const m = JSON.parse(r.metrics_json) as { loss: number; accuracy: number; macroF1: number };
    return {
      epoch: r.epoch,
      sha256: r.artifact_sha256,
      loss: m.loss,
      accuracy: m.accuracy,
      macroF1: m.macroF1,
    };
  });
  const options = Object.fromEntries(
    Object.entries(job.params).filter(([key]) => !NOT_OPTIONS.includes(key)),
  ) as unknown as TrainOptions;
  return { options, resume: { jobId, checkpoints } };
}

export interface RestoredRun {
  startEpoch: number;
  history: EpochRecord[];
  best: { epoch: number; macroF1: number; bytes: Uint8Array; metrics: ClassificationMetrics };
  sinceBest: number;
}

/**
 * Loads the last checkpoint's weights into `model`, copies the checkpoints to the new job (so that it can be
 * resumed in turn) and rebuilds the history and the best epoch as the interrupted run had them; the best
 * epoch's full validation metrics are measured again from its checkpoint (same weights, same samples).
 */
export async function restoreRun(
  workspace: Workspace,
  newJobId: string,
  resume: ResumePoint,
  model: tfl.LayersModel,
  validation: { inputs: Float32Array; labels: ArrayLike<number>; sampleShape: number[]; classes: string[] },
  learningRateOfEpoch: (epoch: number) => number,
): Promise<RestoredRun> {
  const last = resume.checkpoints[resume.checkpoints.length - 1] as StoredCheckpoint;
  const loaded = await decodeModelArtifact(workspace.artifacts.get(last.sha256), `checkpoint ${last.epoch}`);
  try {
    const source = loaded.model.getWeights();
    const target = model.getWeights();
    if (source.length !== target.length || source.some((w, i) => w.shape.join() !== target[i]?.shape.join()))
      throw badInput(`checkpoint ${last.sha256} does not fit the architecture of job ${resume.jobId}`);
    model.setWeights(source);
  } finally {
    loaded.model.dispose();
  }
  let bestCheckpoint = resume.checkpoints[0] as StoredCheckpoint;
  for (const c of resume.checkpoints) if (c.macroF1 > bestCheckpoint.macroF1) bestCheckpoint = c;
  const bytes = workspace.artifacts.get(bestCheckpoint.sha256);
  const bestModel = await decodeModelArtifact(bytes, `checkpoint ${bestCheckpoint.epoch}`);
  let metrics: ClassificationMetrics;
  try {
    const predicted = predictClasses(bestModel.model, validation.inputs, validation.sampleShape);
    metrics = classificationMetrics(validation.labels, predicted, validation.classes);
  } finally {
    bestModel.model.dispose();
  }
  for (const c of resume.checkpoints)
    insertCheckpoint(workspace.db, newJobId, c.epoch, c.sha256, {
      loss: c.loss,
      accuracy: c.accuracy,
      macroF1: c.macroF1,
    });
  return {
    startEpoch: last.epoch + 1,
    history: resume.checkpoints.map((c) => ({
      epoch: c.epoch,
      loss: c.loss,
      valAccuracy: c.accuracy,
      valMacroF1: c.macroF1,
      learningRate: learningRateOfEpoch(c.epoch),
      checkpointSha256: c.sha256,
    })),
    best: { epoch: bestCheckpoint.epoch, macroF1: bestCheckpoint.macroF1, bytes, metrics },
    sinceBest: last.epoch - bestCheckpoint.epoch,
  };
}
