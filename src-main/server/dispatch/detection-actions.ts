import type { ActionRequest, ActionResponse, ReviewFilter } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { badInput } from '../../core/errors.js';
import { initEngine } from '../../core/engine/backend.js';
import { getModel } from '../../core/store/models.js';
import { validationsOfModel, type ValidationRow } from '../../core/store/validations.js';
import { parseSplitName } from '../../core/data/sample-dataset.js';
import { encodePng } from '../../core/data/images/write-synthetic.js';
import {
  detectionFrames,
  frameImage,
  loadDetectionDataset,
  type DetectionDataset,
} from '../../core/detect/detection-dataset.js';
import { detectDatasetFrames } from '../../core/detect/predict-detector.js';
import { checkSameClasses, loadStoredDetector } from '../../core/detect/stored-detector.js';
import { frameOutcomes, type FrameOutcome } from '../../core/detect/frame-outcomes.js';
import type { EvaluatedFrame } from '../../core/detect/average-precision.js';
import { OBJECT_DETECTION_SUITE } from '../../core/pipelines/detect/evaluate-detector.js';

/** One validation's frames with every detection the detector made (down to the decoder's floor). */
interface ScoredSplit {
  validation: ValidationRow;
  dataset: DetectionDataset;
  frames: number[];
  scored: EvaluatedFrame[];
}

/** Scored splits kept: the reviewer moves the threshold and pages without running the detector again. */
const KEEP = 2;

function chooseValidation(workspace: Workspace, modelId: string, validationId?: string): ValidationRow {
  const model = getModel(workspace.db, modelId);
  const validations = validationsOfModel(workspace.db, model.id).filter((v) =>
    v.suites.includes(OBJECT_DETECTION_SUITE),
  );
  const chosen =
    validationId !== undefined
      ? validations.find((v) => v.id === validationId)
      : validations[validations.length - 1];
  if (chosen === undefined)
    throw badInput(
      validationId !== undefined
        ? `model ${model.id} has no object-detection validation ${validationId}`
        : `model ${model.id} has no object-detection validation yet: evaluate it first`,
    );
  return chosen;
}

const matches = (o: FrameOutcome, filter: ReviewFilter) =>
  filter === 'all' || (filter === 'misses' ? o.misses.length > 0 : o.falseAlarms.length > 0);

/**
 * The frame reviewer's answers: frames of an evaluated split, with ground truth and detections at a score
 * threshold. The detector runs once per validation (as the evaluation did: same split, same tiling); moving
 * the threshold or paging reuses its detections, matched again by the core's own per-frame outcomes.
 */
export class DetectionReviews {
  private readonly cache = new Map<string, Promise<ScoredSplit>>();

  constructor(private readonly workspace: Workspace) {}

  private scoredSplit(modelId: string, validation: ValidationRow): Promise<ScoredSplit> {
    const key = `${modelId}/${validation.id}`;
    let entry = this.cache.get(key);
    if (entry === undefined) {
      entry = this.score(modelId, validation);
      this.cache.set(key, entry);
      // A failed run is not remembered; the oldest entry goes when there are too many.
      entry.catch(() => this.cache.delete(key));
      for (const old of this.cache.keys()) if (this.cache.size > KEEP) this.cache.delete(old);
    }
    return entry;
  }

  private async score(modelId: string, validation: ValidationRow): Promise<ScoredSplit> {
    await initEngine();
    const dataset = loadDetectionDataset(this.workspace, validation.datasetId);
    const frames = detectionFrames(dataset, parseSplitName(validation.split));
    const detector = await loadStoredDetector(this.workspace, modelId);
    try {
      checkSameClasses(detector, dataset);
      const tiles = validation.result['tiles'] === true;
      return {
        validation,
        dataset,
        frames,
        scored: detectDatasetFrames(detector.model, dataset, frames, { tiles }),
      };
    } finally {
      detector.model.dispose();
    }
  }

  async review(payload: ActionRequest<'detection.review'>): Promise<ActionResponse<'detection.review'>> {
    const validation = chooseValidation(this.workspace, payload.modelId, payload.validationId);
    const { dataset, frames, scored } = await this.scoredSplit(payload.modelId, validation);
    const outcomes = frameOutcomes(
      scored,
      frames.map((f) => dataset.frameNames[f] ?? String(f)),
      payload.minScore,
    );
    const matching = outcomes.map((o, k) => ({ o, k })).filter(({ o }) => matches(o, payload.filter));
    const totals = outcomes.reduce(
      (t, o) => ({
        objects: t.objects + o.truths,
        hits: t.hits + o.hits,
        misses: t.misses + o.misses.length,
        falseAlarms: t.falseAlarms + o.falseAlarms.length,
      }),
      { objects: 0, hits: 0, misses: 0, falseAlarms: 0 },
    );
    const position = Math.min(payload.position, Math.max(0, matching.length - 1));
    const shown = matching[position];
    const base = {
      modelId: payload.modelId,
      validationId: validation.id,
      datasetId: dataset.id,
      split: validation.split,
      classes: dataset.classes,
      minScore: payload.minScore,
      frames: frames.length,
      matching: matching.length,
      totals,
      position,
    };
    if (shown === undefined) return { ...base, frame: null };
    const { o, k } = shown;
    const index = frames[k] as number;
    const evaluated = scored[k] as EvaluatedFrame;
    const image = frameImage(dataset, index);
    const png = `data:image/png;base64,${(await encodePng(image)).toString('base64')}`;
    const alarms = new Set(o.falseAlarms);
    const missed = new Set(o.missedIndex);
    return {
      ...base,
      frame: {
        index,
        name: o.name,
        group: dataset.groups[dataset.frameGroup[index] as number] ?? '',
        width: image.width,
        height: image.height,
        png,
        truths: evaluated.truths.map((t, j) => ({
          x0: t.x0,
          y0: t.y0,
          x1: t.x1,
          y1: t.y1,
          classIndex: t.classIndex,
          difficult: t.difficult,
          found: !t.difficult && !missed.has(j),
        })),
        detections: evaluated.detections
          .filter((d) => d.score >= payload.minScore)
          .sort((a, b) => b.score - a.score)
          .map((d) => ({
            x0: d.x0,
            y0: d.y0,
            x1: d.x1,
            y1: d.y1,
            classIndex: d.classIndex,
            score: d.score,
            falseAlarm: alarms.has(d),
          })),
        hits: o.hits,
        misses: o.misses.length,
        falseAlarms: o.falseAlarms.length,
      },
    };
  }
}

export function detectionHandlers(reviews: DetectionReviews) {
  return {
    'detection.review': (
      payload: ActionRequest<'detection.review'>,
    ): Promise<ActionResponse<'detection.review'>> => reviews.review(payload),
  };
}
