import { createRng } from '../engine/seed.js';
import type { Finding } from '../validate/findings.js';
import { MIN_CLASS_SAMPLES, MIN_TEST_RECORDS } from '../validate/findings.js';
import type { Interval } from '../validate/record-bootstrap.js';
import { evaluateDetections, type DetectionEvaluation, type EvaluatedFrame } from './average-precision.js';
import type { FrameOutcome } from './frame-outcomes.js';

/** The intervals of a detection evaluation: resampling frames, the unit a detector is tested on. */
export interface DetectionIntervals {
  /** How they were computed, stated beside every interval. */
  method: string;
  /** 95% interval of mAP@0.5; null when too few frames stand behind it (the reason in `why`). */
  map50: Interval | null;
  /** Per class, the 95% interval of AP@0.5 (null when none can be given). */
  perClass: Record<string, Interval | null>;
  why?: string;
}

export const DETECTION_BOOTSTRAP_RESAMPLES = 200;
const SEED = 20_240_501;

function percentile(sorted: number[], q: number): number {
  const at = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[at] as number;
}

/**
 * Percentile bootstrap over frames (seeded, DETECTION_BOOTSTRAP_RESAMPLES resamples): each resample scores the
 * same detections on frames drawn with replacement. Frames of one video or one inspection run are not
 * independent, so the interval is a lower bound on the uncertainty; below MIN_TEST_RECORDS frames none is given.
 */
export function detectionIntervals(frames: EvaluatedFrame[], classes: string[]): DetectionIntervals {
  const method = `percentile bootstrap over test frames, ${DETECTION_BOOTSTRAP_RESAMPLES} resamples (frames of one sequence are not independent: a lower bound on the uncertainty)`;
  const none = Object.fromEntries(classes.map((c) => [c, null]));
  if (frames.length < MIN_TEST_RECORDS)
    return { method, map50: null, perClass: none, why: `only ${frames.length} test frames` };
  const rng = createRng(SEED);
  const maps: number[] = [];
  const perClass: number[][] = classes.map(() => []);
  for (let r = 0; r < DETECTION_BOOTSTRAP_RESAMPLES; r++) {
    const sample = Array.from(frames, () => frames[Math.floor(rng() * frames.length)] as EvaluatedFrame);
    const e = evaluateDetections(sample, classes);
    if (e.map50 !== null) maps.push(e.map50);
    e.classes.forEach((c, k) => {
      if (c.ap50 !== null) perClass[k]?.push(c.ap50);
    });
  }
  const interval = (values: number[]): Interval | null => {
    // A class absent from most resamples has no interval worth stating.
    if (values.length < DETECTION_BOOTSTRAP_RESAMPLES / 2) return null;
    const sorted = [...values].sort((a, b) => a - b);
    return [percentile(sorted, 0.025), percentile(sorted, 0.975)];
  };
  return {
    method,
    map50: interval(maps),
    perClass: Object.fromEntries(classes.map((c, k) => [c, interval(perClass[k] ?? [])])),
  };
}

const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * Findings on a detector's evaluation, in the words of the classification findings: a class with objects that
 * it never finds, classes with too few objects for their AP to mean much, too few frames for intervals, and the
 * objects missed at the operating score per class.
 */
export function detectionFindings(
  evaluation: DetectionEvaluation,
  outcomes: FrameOutcome[],
  operatingScore: number,
  intervals: DetectionIntervals,
): Finding[] {
  const findings: Finding[] = [];
  if (intervals.map50 === null && intervals.why !== undefined)
    findings.push({
      code: 'too-few-records',
      severity: 'critical',
      message: `Only ${evaluation.frames} test frames: below ${MIN_TEST_RECORDS}, no interval can be given for mAP or AP, and these figures may not hold on other frames.`,
    });
  for (const c of evaluation.classes) {
    if (c.truths === 0) continue;
    if (c.truePositives === 0)
      findings.push({
        code: 'class-never-detected',
        severity: 'critical',
        class: c.name,
        message: `The detector finds none of the ${c.truths} "${c.name}" objects in the test frames (AP 0): it cannot be relied on for this class.`,
      });
    if (c.truths < MIN_CLASS_SAMPLES)
      findings.push({
        code: 'small-class',
        severity: 'warning',
        class: c.name,
        message: `Only ${c.truths} "${c.name}" objects in the test frames: its AP (${c.ap50 !== null ? percent(c.ap50) : 'none'}) is indicative only; at least ${MIN_CLASS_SAMPLES} are needed for a stable figure.`,
      });
  }
  const missed = new Map<number, number>();
  for (const f of outcomes)
    for (const m of f.misses) missed.set(m.classIndex, (missed.get(m.classIndex) ?? 0) + 1);
  evaluation.classes.forEach((c, k) => {
    const misses = missed.get(k) ?? 0;
    if (c.truths === 0 || misses === 0 || c.truePositives === 0) return;
    const share = misses / c.truths;
    findings.push({
      code: 'objects-missed',
      severity: share >= 0.5 ? 'critical' : share >= 0.1 ? 'warning' : 'note',
      class: c.name,
      message: `At the operating score ${operatingScore}, ${misses} of ${c.truths} "${c.name}" objects (${percent(share)}) are missed; the frames that hold them are listed in the result for review.`,
    });
  });
  return findings;
}
