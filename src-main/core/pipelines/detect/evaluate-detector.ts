import type { Workspace } from '../../store/workspace.js';
import { engineInfo } from '../../engine/backend.js';
import type { MetricRowInput } from '../../store/validations.js';
import { badInput } from '../../errors.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { parseSplitName, type SplitName } from '../../data/sample-dataset.js';
import { detectionFrames, loadDetectionDataset } from '../../detect/detection-dataset.js';
import { detectDatasetFrames } from '../../detect/predict-detector.js';
import { evaluateDetections, type DetectionEvaluation } from '../../detect/average-precision.js';
import { frameOutcomes, type FrameOutcome } from '../../detect/frame-outcomes.js';
import { checkSameClasses, loadStoredDetector } from '../../detect/stored-detector.js';
import { storeDetectionValidation } from './store-detection-validation.js';
import {
  detectionFindings,
  detectionIntervals,
  type DetectionIntervals,
} from '../../detect/detection-findings.js';
import { checkDetectionPolicy, detectionVerdict } from '../../detect/detection-verdict.js';
import type { Finding } from '../../validate/findings.js';
import type { Policy, PolicyResult } from '../../validate/policy.js';
import { OBJECT_DETECTION_SUITE } from '../../detect/detection-suite-names.js';

export { OBJECT_DETECTION_SUITE };

export interface EvaluateDetectorOptions {
  modelId: string;
  datasetId: string;
  split?: string;
  /** The operating point for the per-frame misses and false alarms (AP uses every detection). */
  minScore?: number;
  /** Also run input-sized tiles of frames much larger than the input, merged with the whole-frame view. */
  tiles?: boolean;
  /** Acceptance criteria (AP per class, mAP, frames, objects per class) and the file they came from. */
  policy?: Policy;
  policyFile?: string;
}

export interface EvaluateDetectorResult {
  validationId: string;
  modelId: string;
  datasetId: string;
  split: SplitName;
  backend: string;
  evaluation: DetectionEvaluation;
  operatingScore: number;
  frames: FrameOutcome[];
  /** mAP and per-class AP intervals, with their method. */
  intervals: DetectionIntervals;
  findings: Finding[];
  policy?: PolicyResult & { file?: string };
}

/** Metric rows of an evaluation: AP per class and the means, as the validations table stores them. */
export function detectionMetricRows(
  e: DetectionEvaluation,
  suite = OBJECT_DETECTION_SUITE,
): MetricRowInput[] {
  const rows: MetricRowInput[] = [
    { suite, name: 'mAP@0.5', value: e.map50 },
    { suite, name: 'mAP@[.5:.95]', value: e.mapCoco },
  ];
  for (const c of e.classes)
    rows.push(
      { suite, name: 'AP@0.5', value: c.ap50, params: { class: c.name } },
      { suite, name: 'AP@[.5:.95]', value: c.coco, params: { class: c.name } },
      { suite, name: 'AP@0.75', value: c.coco75, params: { class: c.name } },
    );
  return rows;
}

/**
 * Scores a detector on a split of a detection dataset: Pascal VOC AP@0.5 per class and mAP, COCO AP@[.5:.95],
 * precision-recall curves, and per-frame misses and false alarms at an operating score; stored as a validation
 * with its audit event in one transaction.
 */
export async function evaluateDetector(
  workspace: Workspace,
  options: EvaluateDetectorOptions,
  context: JobContext,
): Promise<EvaluateDetectorResult> {
  const split = parseSplitName(options.split ?? 'test');
  const minScore = options.minScore ?? 0.3;
  if (!(minScore > 0 && minScore < 1)) throw badInput(`--score must be between 0 and 1, got ${minScore}`);
  if (options.policy !== undefined) checkDetectionPolicy(options.policy, options.policyFile ?? 'policy');
  const dataset = loadDetectionDataset(workspace, options.datasetId);
  const frames = detectionFrames(dataset, split);
  const detector = await loadStoredDetector(workspace, options.modelId);
  try {
    checkSameClasses(detector, dataset);
    const tiles = options.tiles === true;
    const params = {
      modelId: options.modelId,
      datasetId: options.datasetId,
      split,
      minScore,
      tiles,
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
    };
    return await runJob(workspace, 'detect-evaluate', params, context, async (jobId, job) => {
      const backend = engineInfo().backend;
      job.progress(0, `detecting on ${frames.length} frames`);
      const scored = detectDatasetFrames(detector.model, dataset, frames, { tiles });
      const evaluation = evaluateDetections(scored, dataset.classes);
      const outcomes = frameOutcomes(
        scored,
        frames.map((f) => dataset.frameNames[f] ?? String(f)),
        minScore,
      ).map((o, k) => ({ ...o, frame: frames[k] as number }));
      const intervals = detectionIntervals(scored, dataset.classes);
      const findings = detectionFindings(evaluation, outcomes, minScore, intervals);
      const policy =
        options.policy !== undefined
          ? {
              ...(options.policyFile !== undefined ? { file: options.policyFile } : {}),
              ...detectionVerdict(options.policy, evaluation, intervals),
            }
          : undefined;
      const result = {
        evaluation,
        operatingScore: minScore,
        tiles,
        frames: outcomes,
        intervals,
        findings,
        ...(policy !== undefined ? { policy } : {}),
      };
      const rows = detectionMetricRows(evaluation);
      const validationId = storeDetectionValidation(workspace, {
        detector,
        dataset,
        split,
        suite: OBJECT_DETECTION_SUITE,
        backend,
        jobId,
        params,
        result,
        metricRows: rows,
        summary: {
          map50: evaluation.map50,
          mapCoco: evaluation.mapCoco,
          ...(policy !== undefined ? { verdict: policy.verdict } : {}),
        },
      });
      job.progress(1, 'evaluated');
      return {
        validationId,
        modelId: detector.row.id,
        datasetId: dataset.id,
        split,
        backend,
        evaluation,
        operatingScore: minScore,
        frames: outcomes,
        intervals,
        findings,
        ...(policy !== undefined ? { policy } : {}),
      };
    });
  } finally {
    detector.model.dispose();
  }
}
