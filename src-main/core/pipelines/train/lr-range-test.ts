import type { Workspace } from '../../store/workspace.js';
import { tf, type tfl } from '../../engine/tf.js';
import { engineInfo } from '../../engine/backend.js';
import { ARCHITECTURES } from '../../models/registry.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { labelsOf, sampleIndices, type SampleDataset } from '../../data/sample-dataset.js';
import { getDataset } from '../../store/datasets.js';
import { appendAuditEvent } from '../../audit/log.js';
import { badInput } from '../../errors.js';
import { runJob } from '../../jobs/run-job.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { createRng, deriveSeed, shuffledIndices } from '../../engine/seed.js';
import { balancedClassWeights } from '../../train/class-weights.js';
import { batchGradients, trainableVariables } from '../../train/weighted-loss.js';
import { setOptimizerLearningRate } from '../../train/lr-policy.js';

export interface LrRangeTestOptions {
  datasetId: string;
  arch: string;
  seed: number;
  minRate?: number;
  maxRate?: number;
  steps?: number;
  batchSize?: number;
}

export interface LrRangeTestResult {
  jobId: string;
  backend: string;
  points: { rate: number; loss: number; smoothed: number }[];
  /** Where the smoothed loss falls fastest against log(rate): the usual suggestion. */
  steepestRate: number;
  /** A tenth of the rate at the smoothed loss's minimum: a cautious alternative. */
  minimumRate: number;
  suggestedRate: number;
  stoppedEarly: boolean;
}

/**
 * The learning-rate range test (Smith 2017): one batch per step with Adam, the rate growing geometrically from
 * minRate to maxRate, the loss smoothed (exponential average, bias-corrected); it stops once the loss blows up
 * (four times its minimum). The suggestion is the rate where the smoothed loss falls fastest.
 */
export async function lrRangeTest(
  workspace: Workspace,
  options: LrRangeTestOptions,
  context: JobContext,
): Promise<LrRangeTestResult> {
  const minRate = options.minRate ?? 1e-6;
  const maxRate = options.maxRate ?? 1;
  const steps = options.steps ?? 100;
  const batchSize = options.batchSize ?? 64;
  if (!(minRate > 0 && maxRate > minRate && maxRate <= 10))
    throw badInput(`the rates must satisfy 0 < --min < --max <= 10, got ${minRate} and ${maxRate}`);
  if (!Number.isInteger(steps) || steps < 10 || steps > 10_000)
    throw badInput(`--steps must be an integer from 10 to 10000, got ${steps}`);
  const architecture = ARCHITECTURES[options.arch];
  if (architecture === undefined) throw badInput(`unknown architecture "${options.arch}"`);
  const datasetRow = getDataset(workspace.db, options.datasetId);
  const params = { ...options, minRate, maxRate, steps, batchSize };
  return runJob(workspace, 'lr-range-test', params, context, async (jobId, job) => {
    const dataset = loadDataset(workspace, options.datasetId);
    const train = sampleIndices(dataset, 'train');
    if (train.length < batchSize)
      throw badInput(`dataset ${dataset.id} has fewer train samples than a batch`);
    const sweep = await sweepLearningRates({
      dataset,
      indices: train,
      build: () =>
        architecture.build({
          sampleShape: dataset.sampleShape,
          classes: dataset.classes.length,
          seed: options.seed,
        }),
      seed: options.seed,
      minRate,
      maxRate,
      steps,
      batchSize,
      signal: job.signal,
      onStep: (step, rate, loss) =>
        job.progress((step + 1) / steps, `rate ${rate.toExponential(2)}: loss ${loss.toFixed(4)}`),
    });
    const { points } = sweep;
    const result = { jobId, backend: engineInfo().backend, ...sweep };
    workspace.db.transaction(() => {
      appendAuditEvent(workspace.db, {
        action: 'train.lr_range_test',
        entityType: 'dataset',
        entityId: options.datasetId,
        payload: {
          params: { ...params, jobId },
          backend: result.backend,
          inputs: [{ role: 'dataset-bundle', sha256: datasetRow.dataSha256 }],
          result: {
            suggestedRate: result.suggestedRate,
            steepestRate: result.steepestRate,
            minimumRate: result.minimumRate,
            steps: points.length,
          },
        },
      });
    })();
    return result;
  });
}

export interface LrSweepOptions {
  dataset: SampleDataset;
  /** The samples to draw batches from (a training job passes its fit samples, never validation ones). */
  indices: ArrayLike<number>;
  /** A fresh model, built as the training will build it: the sweep changes its weights. */
  build(): tfl.LayersModel;
  seed: number;
  minRate: number;
  maxRate: number;
  steps: number;
  batchSize: number;
  signal: AbortSignal;
  onStep?(step: number, rate: number, loss: number): void;
}

/**
 * The sweep itself, without a job of its own: `attest lr find` runs it as a job, a training runs a short one
 * before its first epoch (auto-learning-rate.ts). Batches are drawn in a seeded order from `indices`.
 */
export async function sweepLearningRates(
  o: LrSweepOptions,
): Promise<Omit<LrRangeTestResult, 'jobId' | 'backend'>> {
  const { dataset, indices, batchSize, minRate, maxRate, steps } = o;
  const labels = labelsOf(dataset, indices);
  const weights = balancedClassWeights(labels, dataset.classes.length);
  const order = shuffledIndices(indices.length, createRng(deriveSeed(o.seed, 'lr-range-test')));
  const model = o.build();
  const optimizer = tf.train.adam(minRate);
  const variables = trainableVariables(model);
  const points: LrRangeTestResult['points'] = [];
  let average = 0;
  let best = Infinity;
  let stoppedEarly = false;
  try {
    for (let step = 0; step < steps; step++) {
      throwIfCancelled(o.signal);
      const rate = minRate * (maxRate / minRate) ** (step / (steps - 1));
      const from = (step * batchSize) % (indices.length - batchSize + 1);
      const batch = Array.from(order.subarray(from, from + batchSize), (k) => indices[k] as number);
      const batchLabels = Int32Array.from(labelsOf(dataset, batch));
      const { loss, gradients } = batchGradients(
        model,
        variables,
        {
          x: dataset.inputs(batch),
          labels: batchLabels,
          sampleWeights: Float32Array.from(batchLabels, (l) => weights[l] ?? 1),
        },
        dataset.sampleShape,
        dataset.classes.length,
        1 / batch.length,
      );
      setOptimizerLearningRate(optimizer, rate);
      tf.tidy(() =>
        optimizer.applyGradients(
          variables.map((v, k) => ({
            name: v.name,
            tensor: tf.tensor(gradients[k] as Float32Array, v.shape),
          })),
        ),
      );
      average = 0.98 * average + 0.02 * loss;
      const smoothed = average / (1 - 0.98 ** (step + 1));
      points.push({ rate, loss, smoothed });
      o.onStep?.(step, rate, loss);
      best = Math.min(best, smoothed);
      if (!Number.isFinite(loss) || (step > 10 && smoothed > 4 * best)) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    model.dispose();
    optimizer.dispose();
  }
  return { points, ...suggestRate(points), stoppedEarly };
}

/**
 * The steepest descent of the smoothed loss against log(rate), before its minimum, and a tenth of the rate at
 * the minimum. The slope is taken across a window of about a tenth of the points: step-to-step slopes are
 * dominated by the noise of single batches, which would put the suggestion at some early wobble.
 */
export function suggestRate(points: { rate: number; smoothed: number }[]): {
  steepestRate: number;
  minimumRate: number;
  suggestedRate: number;
} {
  // Skip the first tenth, where the average is still settling.
  const from = Math.max(1, Math.floor(points.length / 10));
  const half = Math.max(1, Math.round(points.length / 20));
  let lowest = 0;
  points.forEach((p, k) => {
    if (p.smoothed < (points[lowest]?.smoothed ?? Infinity)) lowest = k;
  });
  let steepest = Math.min(from, Math.max(0, points.length - 1));
  let slope = Infinity;
  for (let k = from; k <= lowest; k++) {
    const a = points[Math.max(from - 1, k - half)] as { rate: number; smoothed: number };
    const b = points[Math.min(lowest, k + half)] as { rate: number; smoothed: number };
    if (b.rate <= a.rate) continue;
    const s = (b.smoothed - a.smoothed) / (Math.log(b.rate) - Math.log(a.rate));
    if (s < slope) {
      slope = s;
      steepest = k;
    }
  }
  const steepestRate = points[steepest]?.rate ?? NaN;
  const minimumRate = (points[lowest]?.rate ?? NaN) / 10;
  return { steepestRate, minimumRate, suggestedRate: steepestRate };
}
