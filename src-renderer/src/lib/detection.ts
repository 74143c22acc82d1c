import type { DatasetView, ModelView, ValidationView } from '../../../src-main/contract/index.js';
import { DETECTION_SUITES } from '../../../src-main/contract/jobs-detection.js';

/** Plain-language explanations next to every detection figure, for readers who are not machine-learning people. */
export const EXPLAIN_DETECTION = {
  iou: 'IoU (intersection over union): how much a predicted box and a true box overlap, from 0 (not at all) to 100 % (the same box). A prediction counts as a hit from 50 % overlap.',
  ap50: 'AP@0.5 (average precision): for one class, how well the detector finds its objects while raising few false alarms, summed over every confidence threshold; a hit needs 50 % overlap. 100 % finds every object before any false alarm.',
  map50:
    'mAP@0.5: the mean of AP@0.5 over the classes, each class counting the same (Pascal VOC’s headline figure).',
  coco: 'COCO AP@[.5:.95]: AP averaged over overlap demands from 50 % to 95 %: it also rewards boxes drawn tightly around the object. Always lower than AP@0.5.',
  ap75: 'AP@0.75: AP when a hit needs 75 % overlap: are the boxes tight?',
  pr: 'Each curve follows one class down the detections ranked by confidence: how many of its objects are found so far (recall, right) against the share of detections that are right (precision, up). Up and to the right is better; the area under it is the AP.',
  loss: 'What training minimises (object centre heatmaps, box offset and size): it should fall epoch by epoch.',
  curve:
    'AP on the same test frames for detectors trained on 15, 30, 60 or 120 frames, the same number of steps each: how much more data would help.',
  robustness:
    'AP when the test frames are degraded as on a real flight (fog, sun glare, blur, sensor noise, video compression) at severities 1 (mild) to 5 (strong).',
  attack:
    'AP when an attacker may change each pixel by at most epsilon grey levels (of 255) in the direction that most hurts the detector (PGD on the detection loss). A steep fall means a fragile detector.',
  compress:
    'The compressed child is scored beside its parent on the same test frames, as stored on disk; boxes lost are objects the parent found and the child no longer finds.',
  threshold:
    'Only detections at least this confident are shown and counted. Lower: fewer misses, more false alarms; higher: the reverse.',
  misses: 'A miss: a true object with no detection of its class overlapping it by at least 50 %.',
  falseAlarms:
    'A false alarm: a detection that overlaps no true object of its class by 50 % (or a second box on an object already found).',
} as const;

export const DETECTION_ARCH = 'centernet-mobile';
export const DETECTION_DATASET_KIND = 'detection-frames';

export function isDetector(model: ModelView): boolean {
  return model.arch === DETECTION_ARCH;
}

export function isDetectionDataset(dataset: DatasetView): boolean {
  return dataset.kind === DETECTION_DATASET_KIND;
}

/** Training frames of a detection dataset, from its import summary. */
export function trainingFrames(dataset: DatasetView | undefined): number {
  const splits = dataset?.summary['splits'] as Record<string, { frames?: number }> | undefined;
  return splits?.['train']?.frames ?? 0;
}

/** AP per class and the means, as the core stores them in an object-detection validation. */
export interface ClassApView {
  name: string;
  truths: number;
  difficult: number;
  detections: number;
  ap50: number | null;
  coco75: number | null;
  coco: number | null;
  curve: { recall: number[]; precision: number[]; score: number[] };
}
export interface DetectionEvaluationView {
  classes: ClassApView[];
  map50: number | null;
  mapCoco: number | null;
  frames: number;
}
export interface RobustnessResultView {
  frames: number;
  clean: { map50: number | null; mapCoco: number | null };
  rows: { corruption: string; severity: number; map50: number | null; mapCoco: number | null }[];
  meanCorruptedMap50: number | null;
  meanDrop: number | null;
}
export interface AttackResultView {
  frames: number;
  steps: number;
  rows: { epsilon: number; map50: number | null; mapCoco: number | null }[];
}
export interface CompressResultView {
  evaluation: DetectionEvaluationView;
  parent: DetectionEvaluationView;
  disagreement: {
    lost: number;
    gained: number;
    parentFalseAlarms: number;
    childFalseAlarms: number;
    operatingScore: number;
  };
}
export interface LearningCurveView {
  datasetId: string;
  steps: number;
  testFrames: number;
  points: { frames: number; map50: number | null; mapCoco: number | null; seconds: number }[];
}

/** The latest validation of a model that holds a given detection suite. */
export function latestValidation(
  validations: ValidationView[],
  modelId: string,
  suite: (typeof DETECTION_SUITES)[keyof typeof DETECTION_SUITES],
): ValidationView | undefined {
  return validations
    .filter((v) => v.modelId === modelId && v.suites.includes(suite))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .at(-1);
}

/** AP as a percentage with its unit; a class without countable objects has none. */
export function formatAp(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${(value * 100).toFixed(1)} %`;
}

/** Box colours that stay apart for colour-blind readers, on light and dark frames. */
export const BOX_COLOURS = {
  truth: '#1a9850',
  missed: '#d73027',
  detection: '#4575b4',
  falseAlarm: '#fdae61',
} as const;
