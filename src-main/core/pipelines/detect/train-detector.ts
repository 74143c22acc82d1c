import type { Workspace } from '../../store/workspace.js';
import { engineInfo } from '../../engine/backend.js';
import { createRng, deriveSeed, shuffledIndices } from '../../engine/seed.js';
import { encodeModelArtifact } from '../../models/artifact.js';
import { countParams } from '../../compress/model-size.js';
import { insertCheckpoint } from '../../store/jobs.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { buildCenternetMobile, checkDetectorInput, OUTPUT_STRIDE } from '../../models/centernet-model.js';
import {
  detectionFrames,
  loadDetectionDataset,
  type DetectionDataset,
} from '../../detect/detection-dataset.js';
import { fitDetector } from '../../detect/fit-detector.js';
import { INPUT_NORMALIZATION } from '../../detect/frame-placement.js';
import { persistModel } from '../../persist/persist-model.js';

export const DETECTOR_ARCH = 'centernet-mobile';
/** What a detector reads: whole RGB frames, letterboxed to its input, normalized as INPUT_NORMALIZATION. */
export const DETECTION_INPUT_KIND = 'detection-frame';

export interface TrainDetectorOptions {
  datasetId: string;
  epochs: number;
  seed: number;
  /** Input size [height, width], multiples of 16 (default 128 x 128). */
  height?: number;
  width?: number;
  batchSize?: number;
  learningRate?: number;
  /** Optimizer steps per epoch (default: one pass over the training frames, at least 4). */
  stepsPerEpoch?: number;
  /** Train on this many training frames only (a seeded draw), for low-data studies. */
  frames?: number;
  maxMinutes?: number;
  name?: string;
}

export interface TrainDetectorResult {
  modelId: string;
  jobId: string;
  arch: string;
  trainFrames: number;
  epochsRun: number;
  steps: number;
  stoppedBy: string;
  seconds: number;
  backend: string;
  params: number;
  sizeBytes: number;
  input: { height: number; width: number };
  lossHistory: number[];
}

export function checkTrainDetectorOptions(o: TrainDetectorOptions): { height: number; width: number } {
  if (!Number.isInteger(o.epochs) || o.epochs < 1 || o.epochs > 10000)
    throw badInput(`--epochs must be an integer from 1 to 10000, got ${o.epochs}`);
  if (!Number.isInteger(o.seed)) throw badInput('--seed must be an integer');
  const height = o.height ?? 128;
  const width = o.width ?? height;
  checkDetectorInput(height, width);
  if (o.frames !== undefined && !(Number.isInteger(o.frames) && o.frames >= 1))
    throw badInput(`--frames must be a positive integer, got ${o.frames}`);
  return { height, width };
}

/** The training frames, or a seeded draw of `count` of them (nested: a smaller count is a subset of a larger). */
export function chooseTrainingFrames(dataset: DetectionDataset, seed: number, count?: number): number[] {
  const train = detectionFrames(dataset, 'train');
  if (count === undefined) return train;
  if (count > train.length)
    throw badInput(
      `--frames ${count} is more than the ${train.length} training frames of dataset ${dataset.id}`,
    );
  const order = shuffledIndices(train.length, createRng(deriveSeed(seed, 'detector-frames')));
  return Array.from(order.subarray(0, count), (k) => train[k] as number).sort((a, b) => a - b);
}

/**
 * Trains a centernet-mobile detector on a detection dataset's train split (or a seeded part of it), with a
 * checkpoint per epoch, and stores the model with its audit event in one transaction.
 */
export async function trainDetector(
  workspace: Workspace,
  options: TrainDetectorOptions,
  context: JobContext,
): Promise<TrainDetectorResult> {
  const { height, width } = checkTrainDetectorOptions(options);
  const dataset = loadDetectionDataset(workspace, options.datasetId);
  const batchSize = options.batchSize ?? 16;
  const learningRate = options.learningRate ?? 2e-3;
  const params = {
    ...options,
    arch: DETECTOR_ARCH,
    height,
    width,
    batchSize,
    learningRate,
    optimizer: 'adam',
  };
  return runJob(workspace, 'detect-train', params, context, async (jobId, job) => {
    const backend = engineInfo().backend;
    const frames = chooseTrainingFrames(dataset, options.seed, options.frames);
    const model = buildCenternetMobile({
      height,
      width,
      classes: dataset.classes.length,
      seed: options.seed,
    });
    const meta = {
      arch: DETECTOR_ARCH,
      inputKind: DETECTION_INPUT_KIND,
      sampleShape: [height, width, 3],
      classes: dataset.classes,
      outputStride: OUTPUT_STRIDE,
      inputNormalization: INPUT_NORMALIZATION,
      fit: 'letterbox',
    };
    const started = Date.now();
    try {
      let last: Uint8Array | undefined;
      const run = await fitDetector({
        model,
        dataset,
        frames,
        height,
        width,
        epochs: options.epochs,
        batchSize,
        learningRate,
        seed: options.seed,
        signal: job.signal,
        ...(options.stepsPerEpoch !== undefined ? { stepsPerEpoch: options.stepsPerEpoch } : {}),
        ...(options.maxMinutes !== undefined ? { deadline: started + options.maxMinutes * 60_000 } : {}),
        onStep: (epoch, fraction, loss) =>
          job.progress(
            (epoch - 1 + fraction) / options.epochs,
            `epoch ${epoch}/${options.epochs} loss ${loss.toFixed(4)}`,
          ),
        async onEpochEnd(epoch, loss) {
          last = await encodeModelArtifact(model, { meta: { ...meta, epoch } });
          const checkpoint = workspace.artifacts.put(last);
          insertCheckpoint(workspace.db, jobId, epoch, checkpoint.sha256, { loss });
          job.trainingEpoch?.({ epoch, loss, accuracy: null, macroF1: null });
          job.log(`epoch ${epoch}: loss ${loss.toFixed(4)}`);
        },
      });
      if (last === undefined)
        throw badInput('training stopped before the first epoch ended; allow more time');
      const stored = workspace.artifacts.put(last);
      const counts = countParams(model);
      const modelId = newId('m');
      const seconds = (Date.now() - started) / 1000;
      const summary = {
        trainFrames: frames.length,
        epochsRun: run.epochsRun,
        steps: run.steps,
        stoppedBy: run.stoppedBy,
        lossHistory: run.lossHistory,
        seconds,
      };
      persistModel(
        workspace.db,
        {
          id: modelId,
          name: options.name ?? `${DETECTOR_ARCH} on ${dataset.name}`,
          arch: DETECTOR_ARCH,
          datasetId: dataset.id,
          parentId: null,
          recipe: null,
          artifactSha256: stored.sha256,
          sizeBytes: stored.size,
          params: counts.params,
          nonzeroParams: counts.nonzero,
          backend,
          seed: options.seed,
          config: { ...params, meta },
          summary,
          createdAt: utcNow(),
        },
        {
          action: 'model.train',
          payload: {
            params: { ...params, jobId },
            backend,
            inputs: [{ role: 'dataset-bundle', sha256: dataset.dataSha256 }],
            outputs: [{ role: 'model', sha256: stored.sha256 }],
            result: {
              epochsRun: run.epochsRun,
              steps: run.steps,
              trainFrames: frames.length,
              finalLoss: run.lossHistory.at(-1) ?? null,
            },
          },
        },
      );
      return {
        modelId,
        jobId,
        arch: DETECTOR_ARCH,
        trainFrames: frames.length,
        epochsRun: run.epochsRun,
        steps: run.steps,
        stoppedBy: run.stoppedBy,
        seconds,
        backend,
        params: counts.params,
        sizeBytes: stored.size,
        input: { height, width },
        lossHistory: run.lossHistory,
      };
    } finally {
      model.dispose();
    }
  });
}
