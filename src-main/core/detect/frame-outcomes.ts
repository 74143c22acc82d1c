import { boxIou, type Box, type DetectedBox, type GroundTruthBox } from './boxes.js';
import type { EvaluatedFrame } from './average-precision.js';

export interface FrameOutcome {
  frame: number;
  name: string;
  truths: number;
  hits: number;
  /** Ground truth (not difficult) that no kept detection found. */
  misses: (Box & { classIndex: number })[];
  /** Indices of the missed boxes among the frame's ground truth (to compare two models box by box). */
  missedIndex: number[];
  /** Kept detections that matched nothing (or a box already found). */
  falseAlarms: DetectedBox[];
}

/**
 * Per frame, at one operating point (detections scoring at least `minScore`, IoU 0.5, VOC matching): what was
 * found, missed and falsely raised. This is what a reviewer pages through; AP summarizes all operating points.
 */
export function frameOutcomes(
  frames: EvaluatedFrame[],
  names: string[],
  minScore: number,
  iou = 0.5,
): FrameOutcome[] {
  return frames.map((f, k) => {
    const kept = f.detections.filter((d) => d.score >= minScore).sort((a, b) => b.score - a.score);
    const taken = new Uint8Array(f.truths.length);
    const falseAlarms: DetectedBox[] = [];
    for (const d of kept) {
      let best = -1;
      let bestIou = -Infinity;
      f.truths.forEach((t, j) => {
        if (t.classIndex !== d.classIndex) return;
        const o = boxIou(d, t);
        if (o > bestIou) {
          bestIou = o;
          best = j;
        }
      });
      const truth = f.truths[best] as GroundTruthBox | undefined;
      if (truth === undefined || bestIou < iou) falseAlarms.push(d);
      else if (truth.difficult) continue;
      else if (taken[best] === 1) falseAlarms.push(d);
      else taken[best] = 1;
    }
    const counted = f.truths.filter((t) => !t.difficult);
    const missedIndex = f.truths.map((_, j) => j).filter((j) => !f.truths[j]?.difficult && taken[j] === 0);
    const misses = missedIndex.map((j) => f.truths[j] as GroundTruthBox);
    return {
      frame: k,
      name: names[k] ?? String(k),
      truths: counted.length,
      hits: counted.length - misses.length,
      misses: misses.map(({ x0, y0, x1, y1, classIndex }) => ({ x0, y0, x1, y1, classIndex })),
      missedIndex,
      falseAlarms,
    };
  });
}
