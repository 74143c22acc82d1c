import { boxIou, type DetectedBox } from './boxes.js';
import type { Placement } from './frame-placement.js';

/**
 * Placements that cut a large frame into input-sized tiles at its stored resolution, overlapping by at least
 * `overlap` of a tile so that an object cut by one tile edge is whole in the next. Frames no larger than the
 * input give one placement (the frame at the canvas corner).
 */
export function tilePlacements(
  frameWidth: number,
  frameHeight: number,
  width: number,
  height: number,
  overlap = 0.25,
): Placement[] {
  const starts = (frame: number, tile: number): number[] => {
    if (frame <= tile) return [0];
    const count = Math.ceil((frame - tile) / (tile * (1 - overlap))) + 1;
    return Array.from({ length: count }, (_, k) => Math.round((k * (frame - tile)) / (count - 1)));
  };
  const out: Placement[] = [];
  for (const y of starts(frameHeight, height))
    for (const x of starts(frameWidth, width)) out.push({ scale: 1, offsetX: -x, offsetY: -y, flip: false });
  return out;
}

/**
 * Merges detections of one frame from several views (tiles and the whole frame): per class, greedy
 * non-maximum suppression at `iou`, the most confident box kept. Within one view CenterNet needs no NMS; across
 * overlapping views the same object is found more than once.
 */
export function mergeDetections(views: DetectedBox[][], iou = 0.5, maxDetections = 100): DetectedBox[] {
  const all = views.flat().sort((a, b) => b.score - a.score);
  const kept: DetectedBox[] = [];
  for (const d of all) {
    if (kept.some((k) => k.classIndex === d.classIndex && boxIou(k, d) > iou)) continue;
    kept.push(d);
    if (kept.length === maxDetections) break;
  }
  return kept;
}
