import type { tfl } from '../engine/tf.js';
import { deriveSeed } from '../engine/seed.js';
import { throwIfCancelled, type JobContext } from '../jobs/job-context.js';
import { badInput } from '../errors.js';
import { gatherImages, loadImageDataset } from '../data/images/image-dataset.js';
import { IMAGE_DATASET_KIND } from '../data/images/image-dataset-store.js';
import { normalizeImages, type ImagePreprocessing } from '../data/images/preprocess.js';
import { accuracyOf } from '../metrics/metrics.js';
import { predictClasses } from '../predict/predict.js';
import {
  DEFAULT_IMAGE_CORRUPTIONS,
  IMAGE_CORRUPTIONS,
  SEVERITIES,
  corruptImage,
  type ImageCorruption,
} from './image-corruptions.js';
import type { SuiteContext } from './suite-context.js';
import type { ValidateOptions } from './validate-options.js';

export interface CorruptionCurve {
  corruption: ImageCorruption;
  name: string;
  points: { severity: number; accuracy: number; parentAccuracy: number | null }[];
  meanAccuracy: number;
  /** Errors summed over severities, divided by the parent's (Hendrycks' CE with the parent as reference). */
  corruptionError: number | null;
  /** The same on the errors added by the corruption (error minus clean error): the relative CE. */
  relativeCorruptionError: number | null;
}

export interface CorruptionsResult {
  n: number;
  cleanAccuracy: number;
  parentId: string | null;
  parentCleanAccuracy: number | null;
  corruptions: CorruptionCurve[];
  /** Mean over corruptions and severities. */
  meanCorruptionAccuracy: number;
  /** Means over corruptions of the corruption errors; null without parent (or when the parent makes no error). */
  mCE: number | null;
  relativeMCE: number | null;
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

/** Natural corruptions of the test images at 5 severities, for the model and its parent on the same images. */
export async function corruptionsSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<CorruptionsResult> {
  if (ctx.dataset.kind !== IMAGE_DATASET_KIND)
    throw badInput(
      `the corruptions suite corrupts images; dataset ${ctx.dataset.id} is ${ctx.dataset.kind} (for ECG use the noise suite)`,
    );
  const images = loadImageDataset(ctx.workspace, ctx.dataset.id);
  const p = images.preprocessing;
  const geometry = { height: p.height, width: p.width, channels: p.channels };
  const fed = (ctx.dataset.modelMeta['imagePreprocessing'] as ImagePreprocessing | undefined) ?? p;
  const size = p.height * p.width * p.channels;
  const pixels = gatherImages(images, ctx.indices);
  const n = ctx.indices.length;
  const parent = await ctx.parent();
  const accuracy = (model: tfl.LayersModel, inputs: Float32Array): number =>
    accuracyOf(ctx.labels, predictClasses(model, inputs, ctx.sampleShape));
  const cleanAccuracy = accuracy(ctx.forwardModel, ctx.inputs);
  const parentCleanAccuracy = parent !== undefined ? accuracy(parent.model, ctx.inputs) : null;
  const names = options.corruptions ?? DEFAULT_IMAGE_CORRUPTIONS;
  const corruptions: CorruptionCurve[] = [];
  for (const [c, corruption] of names.entries()) {
    const points: CorruptionCurve['points'] = [];
    for (const severity of SEVERITIES) {
      throwIfCancelled(job.signal);
      job.progress(
        (c * SEVERITIES.length + severity - 1) / (names.length * SEVERITIES.length),
        `corruption ${corruption}, severity ${severity}`,
      );
      const corrupted = new Float32Array(pixels.length);
      for (let k = 0; k < n; k++) {
        const image = pixels.subarray(k * size, (k + 1) * size);
        corrupted.set(
          await corruptImage(image, geometry, corruption, severity, deriveSeed(ctx.seed, 'image', k)),
          k * size,
        );
      }
      // Under the normalization the model is fed with (an imported model's own, else the dataset's).
      const inputs = normalizeImages(corrupted, fed);
      points.push({
        severity,
        accuracy: accuracy(ctx.forwardModel, inputs),
        parentAccuracy: parent !== undefined ? accuracy(parent.model, inputs) : null,
      });
    }
    const errors = points.map((q) => 1 - q.accuracy);
    const parentErrors = points.map((q) => (q.parentAccuracy !== null ? 1 - q.parentAccuracy : NaN));
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    const ce = parent !== undefined && sum(parentErrors) > 0 ? sum(errors) / sum(parentErrors) : null;
    const added = sum(errors.map((e) => e - (1 - cleanAccuracy)));
    const parentAdded = sum(parentErrors.map((e) => e - (1 - (parentCleanAccuracy ?? 0))));
    corruptions.push({
      corruption,
      name: IMAGE_CORRUPTIONS[corruption],
      points,
      meanAccuracy: mean(points.map((q) => q.accuracy)),
      corruptionError: ce,
      relativeCorruptionError: parent !== undefined && parentAdded > 0 ? added / parentAdded : null,
    });
  }
  const ces = corruptions.map((c) => c.corruptionError).filter((v): v is number => v !== null);
  const relative = corruptions.map((c) => c.relativeCorruptionError).filter((v): v is number => v !== null);
  return {
    n,
    cleanAccuracy,
    parentId: parent?.row.id ?? null,
    parentCleanAccuracy,
    corruptions,
    meanCorruptionAccuracy: mean(corruptions.flatMap((c) => c.points.map((q) => q.accuracy))),
    mCE: ces.length === corruptions.length && ces.length > 0 ? mean(ces) : null,
    relativeMCE: relative.length === corruptions.length && relative.length > 0 ? mean(relative) : null,
  };
}
