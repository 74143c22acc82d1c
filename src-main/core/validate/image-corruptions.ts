import sharp from 'sharp';
import { createRng, deriveSeed, gaussian } from '../engine/seed.js';
import { badInput } from '../errors.js';

/**
 * Natural corruptions of images at 5 severities, after Hendrycks and Dietterich (ICLR 2019), applied to the
 * fitted pixels in [0, 1] (height x width x channels, row-major) before the dataset's normalization. Fog and
 * glare are for outdoor imagery (inspection flights); the others for any image.
 */
export const IMAGE_CORRUPTIONS = {
  gaussian: 'Gaussian noise',
  shot: 'shot (Poisson) noise',
  blur: 'Gaussian blur',
  jpeg: 'JPEG re-compression',
  contrast: 'contrast reduction',
  brightness: 'brightness increase',
  fog: 'fog (smooth haze)',
  glare: 'glare (bright spot)',
} as const;
export type ImageCorruption = keyof typeof IMAGE_CORRUPTIONS;
export const DEFAULT_IMAGE_CORRUPTIONS: ImageCorruption[] = [
  'gaussian',
  'shot',
  'blur',
  'jpeg',
  'contrast',
  'brightness',
];
export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export function parseCorruptions(text: string): ImageCorruption[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 1 && names[0] === 'all') return Object.keys(IMAGE_CORRUPTIONS) as ImageCorruption[];
  for (const name of names)
    if (!(name in IMAGE_CORRUPTIONS))
      throw badInput(
        `unknown corruption "${name}"; available: ${Object.keys(IMAGE_CORRUPTIONS).join(', ')}, all`,
      );
  if (names.length === 0) throw badInput('--corruptions needs at least one name');
  return [...new Set(names)] as ImageCorruption[];
}

export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
}

const clip = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Poisson sample (Knuth for small means, normal approximation above 50). */
function poisson(mean: number, rng: () => number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng();
  } while (p > limit);
  return k - 1;
}

/** Separable Gaussian blur with clamped edges. */
function blur(image: Float32Array, g: ImageGeometry, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = kernel.reduce((a, b) => a + b, 0);
  const weights = kernel.map((k) => k / total);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < g.height; y++)
      for (let x = 0; x < g.width; x++)
        for (let c = 0; c < g.channels; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = horizontal ? Math.min(g.width - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(g.height - 1, Math.max(0, y + k));
            sum += (weights[k + radius] as number) * (src[(yy * g.width + xx) * g.channels + c] as number);
          }
          out[(y * g.width + x) * g.channels + c] = sum;
        }
    return out;
  };
  return pass(pass(image, true), false);
}

/** A smooth random field in [0, 1]: bilinear upsampling of coarse noise at a few octaves. */
function smoothField(g: ImageGeometry, rng: () => number): Float32Array {
  const out = new Float32Array(g.height * g.width);
  let amplitude = 1;
  let norm = 0;
  for (const cells of [2, 4, 8]) {
    const grid = Array.from({ length: (cells + 1) * (cells + 1) }, () => rng());
    for (let y = 0; y < g.height; y++)
      for (let x = 0; x < g.width; x++) {
        const fy = (y / Math.max(1, g.height - 1)) * cells;
        const fx = (x / Math.max(1, g.width - 1)) * cells;
        const y0 = Math.min(cells - 1, Math.floor(fy));
        const x0 = Math.min(cells - 1, Math.floor(fx));
        const ty = fy - y0;
        const tx = fx - x0;
        const at = (yy: number, xx: number) => grid[yy * (cells + 1) + xx] as number;
        const v =
          (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) +
          ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
        out[y * g.width + x] = (out[y * g.width + x] as number) + amplitude * v;
      }
    norm += amplitude;
    amplitude /= 2;
  }
  return out.map((v) => v / norm);
}

async function jpeg(image: Float32Array, g: ImageGeometry, quality: number): Promise<Float32Array> {
  const bytes = Uint8Array.from(image, (v) => Math.round(clip(v) * 255));
  const encoded = await sharp(bytes, {
    raw: { width: g.width, height: g.height, channels: g.channels as 1 | 3 },
  })
    .jpeg({ quality })
    .toBuffer();
  const { data, info } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(image.length);
  for (let p = 0; p < g.height * g.width; p++)
    for (let c = 0; c < g.channels; c++)
      out[p * g.channels + c] = (data[p * info.channels + Math.min(c, info.channels - 1)] as number) / 255;
  return out;
}

/**
 * One image corrupted at a severity from 1 (mild) to 5 (severe). The random parts (noise, fog, glare position)
 * come from `seed`, so the same image, corruption, severity and seed always give the same result.
 */
export async function corruptImage(
  image: Float32Array,
  g: ImageGeometry,
  corruption: ImageCorruption,
  severity: number,
  seed: number,
): Promise<Float32Array> {
  const s = severity - 1;
  const rng = createRng(deriveSeed(seed, corruption, severity));
  // Blur radii are given for 32-pixel images and scale with the image.
  const scale = Math.max(g.height, g.width) / 32;
  switch (corruption) {
    case 'gaussian': {
      const sigma = [0.08, 0.12, 0.18, 0.26, 0.38][s] as number;
      return image.map((v) => clip(v + sigma * gaussian(rng)));
    }
    case 'shot': {
      const photons = [60, 25, 12, 5, 3][s] as number;
      return image.map((v) => clip(poisson(v * photons, rng) / photons));
    }
    case 'blur':
      return blur(image, g, Math.max(0.3, ([0.4, 0.6, 0.8, 1.1, 1.5][s] as number) * scale)).map(clip);
    case 'jpeg':
      return jpeg(image, g, [25, 18, 15, 10, 7][s] as number);
    case 'contrast': {
      const c = [0.4, 0.3, 0.2, 0.1, 0.05][s] as number;
      const mean = image.reduce((a, b) => a + b, 0) / image.length;
      return image.map((v) => clip((v - mean) * c + mean));
    }
    case 'brightness': {
      const b = [0.1, 0.2, 0.3, 0.4, 0.5][s] as number;
      return image.map((v) => clip(v + b));
    }
    case 'fog': {
      const strength = [0.3, 0.45, 0.6, 0.75, 0.9][s] as number;
      const field = smoothField(g, rng);
      const max = image.reduce((a, b) => Math.max(a, b), 0);
      return image.map((v, j) =>
        clip(((v + strength * (field[Math.floor(j / g.channels)] as number)) * max) / (max + strength)),
      );
    }
    case 'glare': {
      const intensity = [0.3, 0.5, 0.7, 0.85, 1][s] as number;
      const radius = (([0.15, 0.2, 0.25, 0.3, 0.35][s] as number) * (g.height + g.width)) / 2;
      const cy = rng() * g.height;
      const cx = rng() * g.width;
      return image.map((v, j) => {
        const p = Math.floor(j / g.channels);
        const d2 = (Math.floor(p / g.width) - cy) ** 2 + ((p % g.width) - cx) ** 2;
        return clip(v + intensity * Math.exp(-d2 / (2 * radius * radius)));
      });
    }
  }
}
