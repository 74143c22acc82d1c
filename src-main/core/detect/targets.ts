import type { Box } from './boxes.js';
import { BOX_CHANNELS, OUTPUT_STRIDE } from '../models/centernet-model.js';

/** A training object in input pixels (after augmentation). */
export interface TargetBox extends Box {
  classIndex: number;
}

/**
 * Dense CenterNet targets for a batch, laid out as the model output grid [batch, H/4, W/4, ...]:
 * - heatmap: per class, a Gaussian peak of 1 at each object's centre cell. The Gaussian is elliptical with
 *   sigma = 0.54 * size / 6 per axis (TTFNet, Liu et al. 2020), since insulator strings are long and thin.
 * - negativeWeight: (1 - heatmap)^4 off the peaks and 0 on them: the focal loss's penalty reduction near centres.
 * - box: centre offset inside the cell (x, y) and log box size (w, h) in grid cells, at the centre cells only.
 * - boxMask: 1 at centre cells.
 */
export interface DetectionTargets {
  heatmap: Float32Array;
  negativeWeight: Float32Array;
  box: Float32Array;
  boxMask: Float32Array;
  /** Centre cells (objects) in the batch: the loss's normalizer. */
  objects: number;
  gridHeight: number;
  gridWidth: number;
}

const GAUSSIAN_ALPHA = 0.54;

export function encodeTargets(
  batch: TargetBox[][],
  height: number,
  width: number,
  classes: number,
): DetectionTargets {
  const gh = height / OUTPUT_STRIDE;
  const gw = width / OUTPUT_STRIDE;
  const cells = batch.length * gh * gw;
  const heatmap = new Float32Array(cells * classes);
  const box = new Float32Array(cells * BOX_CHANNELS);
  const boxMask = new Float32Array(cells);
  const isPeak = new Uint8Array(cells * classes);
  let objects = 0;
  batch.forEach((boxes, b) => {
    for (const o of boxes) {
      const cx = (o.x0 + o.x1) / 2 / OUTPUT_STRIDE;
      const cy = (o.y0 + o.y1) / 2 / OUTPUT_STRIDE;
      const w = (o.x1 - o.x0) / OUTPUT_STRIDE;
      const h = (o.y1 - o.y0) / OUTPUT_STRIDE;
      const i = Math.min(gh - 1, Math.max(0, Math.floor(cy)));
      const j = Math.min(gw - 1, Math.max(0, Math.floor(cx)));
      if (w <= 0 || h <= 0) continue;
      const sx = Math.max(0.5, (GAUSSIAN_ALPHA * w) / 6);
      const sy = Math.max(0.5, (GAUSSIAN_ALPHA * h) / 6);
      const rx = Math.ceil(3 * sx);
      const ry = Math.ceil(3 * sy);
      for (let y = Math.max(0, i - ry); y <= Math.min(gh - 1, i + ry); y++)
        for (let x = Math.max(0, j - rx); x <= Math.min(gw - 1, j + rx); x++) {
          const v = Math.exp(-((x - j) ** 2) / (2 * sx * sx) - (y - i) ** 2 / (2 * sy * sy));
          const at = ((b * gh + y) * gw + x) * classes + o.classIndex;
          if (v > (heatmap[at] as number)) heatmap[at] = v;
        }
      const cell = (b * gh + i) * gw + j;
      const peak = cell * classes + o.classIndex;
      if (isPeak[peak] === 0) objects++;
      isPeak[peak] = 1;
      heatmap[peak] = 1;
      boxMask[cell] = 1;
      box.set([cx - j, cy - i, Math.log(w), Math.log(h)], cell * BOX_CHANNELS);
    }
  });
  const negativeWeight = new Float32Array(heatmap.length);
  for (let k = 0; k < heatmap.length; k++)
    negativeWeight[k] = isPeak[k] === 1 ? 0 : (1 - (heatmap[k] as number)) ** 4;
  return { heatmap, negativeWeight, box, boxMask, objects, gridHeight: gh, gridWidth: gw };
}
