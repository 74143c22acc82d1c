import { boxIou, type Box, type DetectedBox, type GroundTruthBox } from './boxes.js';
import type { EvaluatedFrame } from './average-precision.js';

export interface FrameOutcome {
  frame: number;
  name: string;
  truths: number;
  hits: number;
  /** Ground truth (not difficult) that no kept detection found. */
  misses: (Box & { classIndex: number })[];
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
    const misses = f.truths.filter((t, j) => !t.difficult && taken[j] === 0);
    return {
      frame: k,
      name: names[k] ?? String(k),
      truths: counted.length,
      hits: counted.length - misses.length,
      misses: misses.map(({ x0, y0, x1, y1, classIndex }) => ({ x0, y0, x1, y1, classIndex })),
      falseAlarms,
    };
  });
}
