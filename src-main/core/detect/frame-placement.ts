import type { DecodedImage } from '../data/images/decoded-image.js';
import { resizeImage } from '../data/images/preprocess.js';
import type { Box, GroundTruthBox } from './boxes.js';

/**
 * How a stored frame lands on the detector's input canvas: resized by `scale` (area averaging when shrinking),
 * its top-left corner at (offsetX, offsetY) (negative: the frame is larger than the canvas and only a tile of
 * it shows), then mirrored left-right if `flip`. Training draws placements at random (scale jitter, tiles, flips);
 * inference letterboxes the whole frame. Boxes map both ways through the same placement.
 */
export interface Placement {
  scale: number;
  offsetX: number;
  offsetY: number;
  flip: boolean;
}

/** Colour jitter: contrast about mid-grey, brightness shift, per-channel gain (white balance). */
export interface ColourJitter {
  contrast: number;
  brightness: number;
  gains: [number, number, number];
}

/** Model inputs are (v - 0.5) / 0.25 of intensities in [0, 1]: fixed, so that any frame needs no statistics. */
export const INPUT_NORMALIZATION = { kind: 'fixed', mean: 0.5, std: 0.25 } as const;

export function letterbox(frameWidth: number, frameHeight: number, width: number, height: number): Placement {
  const scale = Math.min(width / frameWidth, height / frameHeight);
  return {
    scale,
    offsetX: Math.floor((width - Math.round(frameWidth * scale)) / 2),
    offsetY: Math.floor((height - Math.round(frameHeight * scale)) / 2),
    flip: false,
  };
}

/** The canvas [height, width, 3], normalized for the model; outside the frame is mid-grey (0 after normalizing). */
export function placeFrame(
  frame: DecodedImage,
  p: Placement,
  height: number,
  width: number,
  colour?: ColourJitter,
): Float32Array {
  const rw = Math.max(1, Math.round(frame.width * p.scale));
  const rh = Math.max(1, Math.round(frame.height * p.scale));
  const resized = rw === frame.width && rh === frame.height ? frame : resizeImage(frame, rh, rw);
  const out = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const sy = y - p.offsetY;
    if (sy < 0 || sy >= rh) continue;
    for (let x = 0; x < width; x++) {
      const sx = x - p.offsetX;
      if (sx < 0 || sx >= rw) continue;
      const dst = (y * width + (p.flip ? width - 1 - x : x)) * 3;
      const src = (sy * rw + sx) * 3;
      for (let c = 0; c < 3; c++) {
        let v = resized.data[src + c] as number;
        if (colour !== undefined)
          v = Math.min(
            1,
            Math.max(0, ((v - 0.5) * colour.contrast + 0.5 + colour.brightness) * colour.gains[c]!),
          );
        out[dst + c] = (v - INPUT_NORMALIZATION.mean) / INPUT_NORMALIZATION.std;
      }
    }
  }
  return out;
}

/** Actual per-axis scales after rounding the resized size. */
function scales(frameWidth: number, frameHeight: number, p: Placement): [number, number] {
  return [
    Math.max(1, Math.round(frameWidth * p.scale)) / frameWidth,
    Math.max(1, Math.round(frameHeight * p.scale)) / frameHeight,
  ];
}

/** Frame box -> canvas box (unclipped). */
export function toCanvas(b: Box, frameWidth: number, frameHeight: number, p: Placement, width: number): Box {
  const [sx, sy] = scales(frameWidth, frameHeight, p);
  const x0 = b.x0 * sx + p.offsetX;
  const x1 = b.x1 * sx + p.offsetX;
  return {
    x0: p.flip ? width - x1 : x0,
    x1: p.flip ? width - x0 : x1,
    y0: b.y0 * sy + p.offsetY,
    y1: b.y1 * sy + p.offsetY,
  };
}

/** Canvas box -> frame box (detections back to the stored frame's pixels). */
export function toFrame(b: Box, frameWidth: number, frameHeight: number, p: Placement, width: number): Box {
  const [sx, sy] = scales(frameWidth, frameHeight, p);
  const x0 = p.flip ? width - b.x1 : b.x0;
  const x1 = p.flip ? width - b.x0 : b.x1;
  return {
    x0: (x0 - p.offsetX) / sx,
    x1: (x1 - p.offsetX) / sx,
    y0: (b.y0 - p.offsetY) / sy,
    y1: (b.y1 - p.offsetY) / sy,
  };
}

/**
 * Training boxes on the canvas: clipped to it, kept when at least half of the box (and 2 px each way) is
 * visible, so that a tile cutting an object does not ask the model to find a sliver.
 */
export function visibleTargets(
  truths: GroundTruthBox[],
  frameWidth: number,
  frameHeight: number,
  p: Placement,
  height: number,
  width: number,
): { x0: number; y0: number; x1: number; y1: number; classIndex: number }[] {
  const out: { x0: number; y0: number; x1: number; y1: number; classIndex: number }[] = [];
  for (const t of truths) {
    const b = toCanvas(t, frameWidth, frameHeight, p, width);
    const c = {
      x0: Math.max(0, b.x0),
      y0: Math.max(0, b.y0),
      x1: Math.min(width, b.x1),
      y1: Math.min(height, b.y1),
    };
    const full = (b.x1 - b.x0) * (b.y1 - b.y0);
    const seen = Math.max(0, c.x1 - c.x0) * Math.max(0, c.y1 - c.y0);
    if (c.x1 - c.x0 >= 2 && c.y1 - c.y0 >= 2 && seen >= 0.5 * full)
      out.push({ ...c, classIndex: t.classIndex });
  }
  return out;
}
