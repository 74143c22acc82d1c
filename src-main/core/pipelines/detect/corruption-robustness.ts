import type { Workspace } from '../../store/workspace.js';
import { engineInfo } from '../../engine/backend.js';
import type { MetricRowInput } from '../../store/validations.js';
import { badInput } from '../../errors.js';
import { runJob } from '../../jobs/run-job.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { corruptImage, type ImageCorruption } from '../../validate/image-corruptions.js';
import { deriveSeed } from '../../engine/seed.js';
import {
  detectionFrames,
  frameImage,
  frameTruths,
  loadDetectionDataset,
} from '../../detect/detection-dataset.js';
import { detectFrames } from '../../detect/predict-detector.js';
import { evaluateDetections } from '../../detect/average-precision.js';
import { checkSameClasses, loadStoredDetector } from '../../detect/stored-detector.js';
import { storeDetectionValidation } from './store-detection-validation.js';
import { DETECTION_CORRUPTIONS_SUITE } from '../../detect/detection-suite-names.js';

export { DETECTION_CORRUPTIONS_SUITE };

/** The conditions of inspection flights: haze, sun glare, motion or focus blur, sensor noise, video compression. */
export const DEFAULT_DETECTION_CORRUPTIONS: ImageCorruption[] = ['fog', 'glare', 'blur', 'gaussian', 'jpeg'];

export interface CorruptionRobustnessOptions {
  modelId: string;
  datasetId?: string;
  corruptions?: ImageCorruption[];
  severities?: number[];
  seed?: number;
}

export interface CorruptionRobustnessResult {
  validationId: string;
  modelId: string;
  datasetId: string;
  backend: string;
  frames: number;
  clean: { map50: number | null; mapCoco: number | null };
  rows: {
    corruption: ImageCorruption;
    severity: number;
    map50: number | null;
    mapCoco: number | null;
    ap50: Record<string, number | null>;
  }[];
  /** Mean over corruptions and severities of mAP@0.5, and its drop from clean. */
  meanCorruptedMap50: number | null;
  meanDrop: number | null;
}

/**
 * AP under natural corruptions of whole test frames (the image-corruption suite, applied to each stored frame
 * before it is letterboxed), per corruption and severity; stored as a validation with its audit event.
 */
export async function detectorCorruptionRobustness(
  workspace: Workspace,
  options: CorruptionRobustnessOptions,
  context: JobContext,
): Promise<CorruptionRobustnessResult> {
  const corruptions = options.corruptions ?? DEFAULT_DETECTION_CORRUPTIONS;
  const severities = options.severities ?? [1, 3, 5];
  if (severities.length === 0 || severities.some((s) => !Number.isInteger(s) || s < 1 || s > 5))
    throw badInput(`--severities must be integers from 1 to 5, got ${severities.join(',')}`);
  const seed = options.seed ?? 1;
  const detector = await loadStoredDetector(workspace, options.modelId);
  try {
    const datasetId = options.datasetId ?? detector.row.datasetId;
    if (datasetId === null) throw badInput(`model ${options.modelId} names no dataset; give --dataset`);
    const dataset = loadDetectionDataset(workspace, datasetId);
    checkSameClasses(detector, dataset);
    const test = detectionFrames(dataset, 'test');
    const params = { modelId: options.modelId, datasetId, corruptions, severities, seed };
    return await runJob(workspace, 'detect-robustness', params, context, async (jobId, job) => {
      const backend = engineInfo().backend;
      const clean = test.map((f) => frameImage(dataset, f));
      const truths = test.map((f) => frameTruths(dataset, f));
      const score = (images: typeof clean) => {
        const detections = detectFrames(detector.model, images, dataset.classes.length);
        return evaluateDetections(
          truths.map((t, k) => ({ truths: t, detections: detections[k] ?? [] })),
          dataset.classes,
        );
      };
      const cleanEvaluation = score(clean);
      const rows: CorruptionRobustnessResult['rows'] = [];
      const total = corruptions.length * severities.length;
      for (const corruption of corruptions)
        for (const severity of severities) {
          throwIfCancelled(job.signal);
          job.progress(rows.length / total, `${corruption} at severity ${severity}`);
          const corrupted = await Promise.all(
            clean.map(async (image, k) => ({
              ...image,
              data: await corruptImage(
                image.data,
                { height: image.height, width: image.width, channels: 3 },
                corruption,
                severity,
                deriveSeed(seed, 'detection-corruption', test[k] as number),
              ),
            })),
          );
          const e = score(corrupted);
          rows.push({
            corruption,
            severity,
            map50: e.map50,
            mapCoco: e.mapCoco,
            ap50: Object.fromEntries(e.classes.map((c) => [c.name, c.ap50])),
          });
        }
      const present = rows.map((r) => r.map50).filter((v): v is number => v !== null);
      const meanCorruptedMap50 =
        present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : null;
      const meanDrop =
        meanCorruptedMap50 !== null && cleanEvaluation.map50 !== null
          ? cleanEvaluation.map50 - meanCorruptedMap50
          : null;
      const suite = DETECTION_CORRUPTIONS_SUITE;
      const metricRows: MetricRowInput[] = [
        { suite, name: 'mAP@0.5', value: cleanEvaluation.map50, params: { corruption: 'none', severity: 0 } },
        ...rows.map((r) => ({
          suite,
          name: 'mAP@0.5',
          value: r.map50,
          params: { corruption: r.corruption, severity: r.severity },
        })),
        { suite, name: 'mean corrupted mAP@0.5', value: meanCorruptedMap50 },
      ];
      const result = {
        frames: test.length,
        clean: { map50: cleanEvaluation.map50, mapCoco: cleanEvaluation.mapCoco },
        rows,
        meanCorruptedMap50,
        meanDrop,
      };
      const validationId = storeDetectionValidation(workspace, {
        detector,
        dataset,
        split: 'test',
        suite: suite,
        backend,
        jobId,
        params,
        result,
        metricRows: metricRows,
        summary: { meanCorruptedMap50, meanDrop },
      });
      return { validationId, modelId: detector.row.id, datasetId: dataset.id, backend, ...result };
    });
  } finally {
    detector.model.dispose();
  }
}
