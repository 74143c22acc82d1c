import type { ColourJitter, Placement } from './frame-placement.js';
import { letterbox } from './frame-placement.js';

/**
 * Augmentation for aerial frames, drawn per training sample:
 * - scale jitter: 0.6x to 1.5x the letterboxed size, log-uniform, placed at a random position (when larger
 *   than the canvas, a random part of it shows: a tile);
 * - tiles: for frames larger than the canvas, half of the draws show a tile at the stored resolution (0.7x to
 *   1x), as a large frame is seen when it is cut into tiles;
 * - left-right flip (aerial views have no preferred side; up-down is left alone, since insulators hang);
 * - colour: contrast 0.75-1.25, brightness +-0.1, per-channel gain 0.9-1.1 (haze, exposure, white balance).
 */
export function drawAugmentation(
  random: () => number,
  frameWidth: number,
  frameHeight: number,
  width: number,
  height: number,
): { placement: Placement; colour: ColourJitter } {
  const fit = letterbox(frameWidth, frameHeight, width, height).scale;
  const large = fit < 0.8;
  const scale =
    large && random() < 0.5
      ? 0.7 + 0.3 * random()
      : fit * Math.exp(Math.log(0.6) + random() * Math.log(1.5 / 0.6));
  const rw = Math.round(frameWidth * scale);
  const rh = Math.round(frameHeight * scale);
  const offset = (canvas: number, size: number) => {
    const low = Math.min(0, canvas - size);
    const high = Math.max(0, canvas - size);
    return low + Math.floor(random() * (high - low + 1));
  };
  return {
    placement: { scale, offsetX: offset(width, rw), offsetY: offset(height, rh), flip: random() < 0.5 },
    colour: {
      contrast: 0.75 + 0.5 * random(),
      brightness: 0.2 * (random() - 0.5),
      gains: [0.9 + 0.2 * random(), 0.9 + 0.2 * random(), 0.9 + 0.2 * random()],
    },
  };
}
