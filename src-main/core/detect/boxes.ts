/**
 * Boxes in continuous pixel coordinates: (x0, y0) top-left corner, (x1, y1) bottom-right, x1 > x0, y1 > y0.
 * A Pascal VOC box (1-based, inclusive) xmin..xmax covers [xmin - 1, xmax) in these coordinates.
 */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A ground-truth object of one frame. */
export interface GroundTruthBox extends Box {
  classIndex: number;
  /** VOC's "difficult": neither a hit nor a miss when scoring (matched detections are ignored). */
  difficult: boolean;
}

/** A detection of one frame, with its confidence. */
export interface DetectedBox extends Box {
  classIndex: number;
  score: number;
}

export function boxArea(b: Box): number {
  return Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
}

/** Intersection over union, continuous coordinates (no VOC "+1" pixel convention). */
export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const intersection = w * h;
  const union = boxArea(a) + boxArea(b) - intersection;
  return union > 0 ? intersection / union : 0;
}

/** The VOC box of an annotation as a continuous box. */
export function vocToBox(o: { xmin: number; ymin: number; xmax: number; ymax: number }): Box {
  return { x0: o.xmin - 1, y0: o.ymin - 1, x1: o.xmax, y1: o.ymax };
}
