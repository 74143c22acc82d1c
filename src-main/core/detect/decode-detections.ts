import type { DetectedBox } from './boxes.js';
import { BOX_CHANNELS, OUTPUT_STRIDE } from '../models/centernet-model.js';

export interface DecodeOptions {
  /** Peaks below this confidence are dropped (low, so that the precision-recall curve reaches far). */
  minScore?: number;
  /** At most this many detections per frame, the most confident (COCO's limit). */
  maxDetections?: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Boxes from one frame's output grid [h, w, classes + 4] (a Float32Array view), in input pixels: each cell
 * whose class score is a local maximum of its 3x3 neighbourhood is an object centre (CenterNet's max-pool
 * "NMS"), moved by the predicted offset, with the predicted log size. No box-overlap suppression: the peak
 * test already keeps one centre per object.
 */
export function decodeDetections(
  grid: Float32Array,
  gridHeight: number,
  gridWidth: number,
  classes: number,
  options: DecodeOptions = {},
): DetectedBox[] {
  const minScore = options.minScore ?? 0.01;
  const maxDetections = options.maxDetections ?? 100;
  const depth = classes + BOX_CHANNELS;
  const at = (i: number, j: number, k: number) => grid[(i * gridWidth + j) * depth + k] as number;
  const found: DetectedBox[] = [];
  for (let i = 0; i < gridHeight; i++)
    for (let j = 0; j < gridWidth; j++)
      for (let c = 0; c < classes; c++) {
        const logit = at(i, j, c);
        if (sigmoid(logit) < minScore) continue;
        let isPeak = true;
        for (let di = -1; di <= 1 && isPeak; di++)
          for (let dj = -1; dj <= 1; dj++) {
            const y = i + di;
            const x = j + dj;
            if ((di === 0 && dj === 0) || y < 0 || x < 0 || y >= gridHeight || x >= gridWidth) continue;
            if (at(y, x, c) > logit) {
              isPeak = false;
              break;
            }
          }
        if (!isPeak) continue;
        const cx = (j + at(i, j, classes)) * OUTPUT_STRIDE;
        const cy = (i + at(i, j, classes + 1)) * OUTPUT_STRIDE;
        // Sizes are clamped to the frame's scale: an untrained head may output anything.
        const w = Math.exp(Math.min(8, at(i, j, classes + 2))) * OUTPUT_STRIDE;
        const h = Math.exp(Math.min(8, at(i, j, classes + 3))) * OUTPUT_STRIDE;
        found.push({
          classIndex: c,
          score: sigmoid(logit),
          x0: cx - w / 2,
          y0: cy - h / 2,
          x1: cx + w / 2,
          y1: cy + h / 2,
        });
      }
  found.sort((a, b) => b.score - a.score);
  return found.slice(0, maxDetections);
}
