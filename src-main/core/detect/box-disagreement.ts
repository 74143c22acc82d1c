import type { EvaluatedFrame } from './average-precision.js';
import { frameOutcomes } from './frame-outcomes.js';

export interface BoxDisagreement {
  operatingScore: number;
  /** Ground-truth objects the parent found and the child missed (the compression's cost, box by box). */
  lost: number;
  /** Objects the child found and the parent missed. */
  gained: number;
  parentFalseAlarms: number;
  childFalseAlarms: number;
  /** The frames where the two differ, with the boxes lost and gained (indices into the frame's ground truth). */
  frames: {
    frame: number;
    name: string;
    lost: number[];
    gained: number[];
    parentFalseAlarms: number;
    childFalseAlarms: number;
  }[];
}

/**
 * Disagreement between a parent detector and its compressed child on the same frames, at one operating score
 * and IoU 0.5: which real objects one finds and the other misses, and how the false alarms change. Two models
 * with equal AP can still disagree on many boxes; a reviewer needs the boxes, not only the means.
 */
export function boxDisagreement(
  parent: EvaluatedFrame[],
  child: EvaluatedFrame[],
  names: string[],
  minScore: number,
): BoxDisagreement {
  const a = frameOutcomes(parent, names, minScore);
  const b = frameOutcomes(child, names, minScore);
  const frames: BoxDisagreement['frames'] = [];
  a.forEach((p, k) => {
    const c = b[k];
    if (c === undefined) return;
    const lost = c.missedIndex.filter((j) => !p.missedIndex.includes(j));
    const gained = p.missedIndex.filter((j) => !c.missedIndex.includes(j));
    if (lost.length + gained.length > 0 || p.falseAlarms.length !== c.falseAlarms.length)
      frames.push({
        frame: k,
        name: p.name,
        lost,
        gained,
        parentFalseAlarms: p.falseAlarms.length,
        childFalseAlarms: c.falseAlarms.length,
      });
  });
  return {
    operatingScore: minScore,
    lost: frames.reduce((n, f) => n + f.lost.length, 0),
    gained: frames.reduce((n, f) => n + f.gained.length, 0),
    parentFalseAlarms: a.reduce((n, f) => n + f.falseAlarms.length, 0),
    childFalseAlarms: b.reduce((n, f) => n + f.falseAlarms.length, 0),
    frames,
  };
}
