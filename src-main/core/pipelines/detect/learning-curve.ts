import type { Workspace } from '../../store/workspace.js';
import { engineInfo } from '../../engine/backend.js';
import { appendAuditEvent } from '../../audit/log.js';
import { badInput } from '../../errors.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { buildCenternetMobile } from '../../models/centernet-model.js';
import { detectionFrames, loadDetectionDataset } from '../../detect/detection-dataset.js';
import { fitDetector } from '../../detect/fit-detector.js';
import { detectDatasetFrames } from '../../detect/predict-detector.js';
import { evaluateDetections } from '../../detect/average-precision.js';
import { checkTrainDetectorOptions, chooseTrainingFrames } from './train-detector.js';

export interface LearningCurveOptions {
  datasetId: string;
  /** Training-frame counts, e.g. 15, 30, 60, 120. */
  frames: number[];
  /** Optimizer steps per point: the same for every count, so that a small set is not also a shorter training. */
  steps?: number;
  seed: number;
  height?: number;
  width?: number;
  batchSize?: number;
  learningRate?: number;
}

export interface LearningCurvePoint {
  frames: number;
  map50: number | null;
  mapCoco: number | null;
  ap50: Record<string, number | null>;
  finalLoss: number | null;
  seconds: number;
}

export interface LearningCurveResult {
  datasetId: string;
  jobId: string;
  backend: string;
  steps: number;
  testFrames: number;
  points: LearningCurvePoint[];
}

export function parseFrameCounts(text: string): number[] {
  const counts = text.split(',').map((t) => Number(t.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1))
    throw badInput(
      `--frames must be positive integers separated by commas (e.g. 15,30,60,120), got "${text}"`,
    );
  return [...new Set(counts)].sort((a, b) => a - b);
}

/**
 * Low-data study: one detector per training-frame count (nested seeded subsets of the train split, so that a
 * larger set contains the smaller), each trained for the same number of steps and scored on the whole test
 * split. The curve goes into the audit trail with the dataset it was computed on; the detectors are not kept.
 */
export async function detectionLearningCurve(
  workspace: Workspace,
  options: LearningCurveOptions,
  context: JobContext,
): Promise<LearningCurveResult> {
  const steps = options.steps ?? 300;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100000)
    throw badInput(`--steps must be an integer from 1 to 100000, got ${steps}`);
  const { height, width } = checkTrainDetectorOptions({
    datasetId: options.datasetId,
    seed: options.seed,
    epochs: 1,
    ...(options.height !== undefined ? { height: options.height } : {}),
    ...(options.width !== undefined ? { width: options.width } : {}),
  });
  if (options.frames.length === 0) throw badInput('--frames needs at least one count');
  const dataset = loadDetectionDataset(workspace, options.datasetId);
  const available = detectionFrames(dataset, 'train').length;
  const tooMany = options.frames.filter((n) => n > available);
  if (tooMany.length > 0)
    throw badInput(
      `--frames ${tooMany.join(',')}: dataset ${dataset.id} has only ${available} training frames`,
    );
  const test = detectionFrames(dataset, 'test');
  const batchSize = options.batchSize ?? 16;
  const learningRate = options.learningRate ?? 2e-3;
  const params = { ...options, steps, height, width, batchSize, learningRate };
  return runJob(workspace, 'detect-curve', params, context, async (jobId, job) => {
    const backend = engineInfo().backend;
    const points: LearningCurvePoint[] = [];
    for (const [p, count] of options.frames.entries()) {
      const started = Date.now();
      const frames = chooseTrainingFrames(dataset, options.seed, count);
      const model = buildCenternetMobile({
        height,
        width,
        classes: dataset.classes.length,
        seed: options.seed,
      });
      try {
        const run = await fitDetector({
          model,
          dataset,
          frames,
          height,
          width,
          epochs: 1,
          stepsPerEpoch: steps,
          batchSize,
          learningRate,
          seed: options.seed,
          signal: job.signal,
          onStep: (_epoch, fraction, loss) =>
            job.progress((p + fraction) / options.frames.length, `${count} frames: loss ${loss.toFixed(4)}`),
        });
        const evaluation = evaluateDetections(detectDatasetFrames(model, dataset, test), dataset.classes);
        const point: LearningCurvePoint = {
          frames: count,
          map50: evaluation.map50,
          mapCoco: evaluation.mapCoco,
          ap50: Object.fromEntries(evaluation.classes.map((c) => [c.name, c.ap50])),
          finalLoss: run.lossHistory.at(-1) ?? null,
          seconds: (Date.now() - started) / 1000,
        };
        points.push(point);
        job.log(
          `${count} frames: mAP@0.5 ${point.map50?.toFixed(4) ?? '-'}, mAP@[.5:.95] ${point.mapCoco?.toFixed(4) ?? '-'} (${point.seconds.toFixed(0)} s)`,
        );
      } finally {
        model.dispose();
      }
    }
    workspace.db.transaction(() => {
      appendAuditEvent(workspace.db, {
        action: 'dataset.learning-curve',
        entityType: 'dataset',
        entityId: dataset.id,
        payload: {
          params: { ...params, jobId },
          backend,
          inputs: [{ role: 'dataset-bundle', sha256: dataset.dataSha256 }],
          result: { testFrames: test.length, points },
        },
      });
    })();
    return { datasetId: dataset.id, jobId, backend, steps, testFrames: test.length, points };
  });
}
