import { createRng, deriveSeed } from '../engine/seed.js';

/**
 * Classical, label-preserving augmentation of image patches: a small rotation and shift, a contrast and
 * brightness change, light Gaussian noise and (only when asked) a left-right flip, drawn afresh for every sample
 * at every epoch. Intensity
 * amounts are relative to each image's own spread, so the same settings hold whatever the dataset's
 * normalization (dataset statistics, per image, or raw [0, 1]).
 */
export interface ClassicAugmentation {
  /**
   * Probability of a left-right mirror: off by default, since in medical images the side often carries meaning
   * (a chest X-ray's heart is on the left, a mammogram's view is of one breast); `classic:flip` turns it on for
   * images where it does not (inspection images, ultrasound patches).
   */
  flipHorizontal: number;
  /** Probability of an up-down mirror: off by default, since depth (ultrasound) and gravity have a direction. */
  flipVertical: number;
  maxRotationDegrees: number;
  /** Largest shift as a fraction of the image side. */
  maxShift: number;
  /** Contrast factor drawn from 1 +- this, around the image's mean. */
  contrast: number;
  /** Brightness offset drawn from +- this times the image's standard deviation. */
  brightness: number;
  /** Standard deviation of the added Gaussian noise, times the image's standard deviation. */
  noise: number;
}

export const CLASSIC_DEFAULTS: ClassicAugmentation = {
  flipHorizontal: 0,
  flipVertical: 0,
  maxRotationDegrees: 10,
  maxShift: 0.08,
  contrast: 0.15,
  brightness: 0.1,
  noise: 0.03,
};

/** Left-right mirroring, for images whose side carries no meaning. */
export const FLIP_PROBABILITY = 0.5;

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/**
 * Writes one augmented copy of `source` (height x width x channels, channels last) into `target`. Geometry by
 * inverse mapping with bilinear interpolation; pixels that come from outside the image repeat the nearest edge
 * pixel (no black corners that the network could learn to look for).
 */
export function augmentImage(
  source: Float32Array,
  target: Float32Array,
  shape: readonly [number, number, number],
  settings: ClassicAugmentation,
  random: () => number,
): void {
  const [height, width, channels] = shape;
  const size = height * width * channels;
  // Every draw happens in a fixed order, whatever the settings, so streams stay aligned between runs.
  const flipH = random() < settings.flipHorizontal;
  const flipV = random() < settings.flipVertical;
  const angle = ((2 * random() - 1) * settings.maxRotationDegrees * Math.PI) / 180;
  const shiftX = (2 * random() - 1) * settings.maxShift * width;
  const shiftY = (2 * random() - 1) * settings.maxShift * height;
  const contrast = 1 + (2 * random() - 1) * settings.contrast;
  const brightnessDraw = 2 * random() - 1;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < size; i++) {
    sum += source[i] as number;
    squares += (source[i] as number) ** 2;
  }
  const mean = sum / size;
  const std = Math.sqrt(Math.max(squares / size - mean * mean, 0));
  const brightness = brightnessDraw * settings.brightness * std;
  const noiseSigma = settings.noise * std;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const clampX = (x: number) => Math.min(width - 1, Math.max(0, x));
  const clampY = (y: number) => Math.min(height - 1, Math.max(0, y));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      // Output pixel -> undo the shift, then the rotation, then the flips -> source position.
      const u = x - cx - shiftX;
      const v = y - cy - shiftY;
      let sx = cos * u + sin * v + cx;
      let sy = -sin * u + cos * v + cy;
      if (flipH) sx = width - 1 - sx;
      if (flipV) sy = height - 1 - sy;
      sx = clampX(sx);
      sy = clampY(sy);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(width - 1, x0 + 1);
      const y1 = Math.min(height - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < channels; c++) {
        const at = (yy: number, xx: number) => source[(yy * width + xx) * channels + c] as number;
        const value =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
          fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        target[(y * width + x) * channels + c] =
          mean +
          (value - mean) * contrast +
          brightness +
          (noiseSigma > 0 ? noiseSigma * gaussian(random) : 0);
      }
    }
}

/**
 * The per-epoch hook of the training loop: each sample of the epoch's (shuffled) inputs replaced by an augmented
 * copy, from a stream seeded by the run's seed and the epoch, so that a run is reproducible and every epoch (and
 * so every batch) sees new variants.
 */
export function classicAugmenter(
  settings: ClassicAugmentation,
  sampleShape: readonly number[],
  seed: number,
): (x: Float32Array, y: Int32Array, epoch: number) => Float32Array {
  const shape = [sampleShape[0] ?? 1, sampleShape[1] ?? 1, sampleShape[2] ?? 1] as const;
  const size = shape[0] * shape[1] * shape[2];
  return (x, _y, epoch) => {
    const random = createRng(deriveSeed(seed, 'augment-classic', epoch));
    const out = new Float32Array(x.length);
    for (let start = 0; start < x.length; start += size)
      augmentImage(
        x.subarray(start, start + size),
        out.subarray(start, start + size),
        shape,
        settings,
        random,
      );
    return out;
  };
}
