import { createRng, deriveSeed } from '../../engine/seed.js';
import type { DecodedImage } from './decoded-image.js';

export const MAMMOGRAM_CLASSES = ['normal', 'calcification', 'mass'] as const;
export type MammogramClass = (typeof MAMMOGRAM_CLASSES)[number];

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Separable box blur, repeated three times (close to a Gaussian), with edge clamping. */
function blur(field: Float32Array, size: number, radius: number): Float32Array {
  let a = field;
  for (let pass = 0; pass < 3; pass++) {
    for (const horizontal of [true, false]) {
      const b = new Float32Array(a.length);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = horizontal ? Math.min(size - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(size - 1, Math.max(0, y + k));
            sum += a[yy * size + xx] as number;
          }
          b[y * size + x] = sum / (2 * radius + 1);
        }
      a = b;
    }
  }
  return a;
}

/**
 * A mammogram-like patch: fibroglandular texture as a sum of smoothed noise over several scales (a power-law
 * spectrum, as breast tissue has), and for the abnormal classes a cluster of 4 to 9 microcalcifications (tiny
 * bright specks within a few millimetres) or a mass (a denser blob with an irregular, lobulated margin).
 * Intensities in [0, 1], brighter = denser, as a MONOCHROME2 mammogram displays.
 */
export function syntheticMammogramPatch(kind: MammogramClass, size: number, seed: number): DecodedImage {
  const random = createRng(seed);
  const n = size * size;
  const tissue = new Float32Array(n);
  for (const [radius, weight] of [
    [Math.max(1, Math.round(size / 8)), 1],
    [Math.max(1, Math.round(size / 16)), 0.5],
    [1, 0.25],
  ] as const) {
    const noise = Float32Array.from({ length: n }, () => gaussian(random));
    const smooth = blur(noise, size, radius);
    let std = 0;
    for (const v of smooth) std += v * v;
    std = Math.sqrt(std / n) || 1;
    for (let i = 0; i < n; i++) tissue[i] = (tissue[i] as number) + (weight * (smooth[i] as number)) / std;
  }
  const density = 0.35 + 0.15 * random();
  const data = Float32Array.from(tissue, (t) => density + 0.07 * t);
  const cx = size * (0.3 + 0.4 * random());
  const cy = size * (0.3 + 0.4 * random());
  if (kind === 'calcification') {
    const count = 4 + Math.floor(random() * 6);
    const spread = size * 0.08;
    for (let c = 0; c < count; c++) {
      const px = cx + spread * gaussian(random);
      const py = cy + spread * gaussian(random);
      const r = 0.6 + 0.6 * random();
      const peak = 0.25 + 0.2 * random();
      for (let y = Math.floor(py - 3); y <= Math.ceil(py + 3); y++)
        for (let x = Math.floor(px - 3); x <= Math.ceil(px + 3); x++) {
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const d2 = (x - px) ** 2 + (y - py) ** 2;
          data[y * size + x] = (data[y * size + x] as number) + peak * Math.exp(-d2 / (2 * r * r));
        }
    }
  } else if (kind === 'mass') {
    const radius = size * (0.12 + 0.08 * random());
    const lobes = Array.from({ length: 5 }, () => [0.15 * random(), 2 * Math.PI * random()] as const);
    const contrast = 0.2 + 0.1 * random();
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const angle = Math.atan2(y - cy, x - cx);
        const edge =
          radius * (1 + lobes.reduce((s, [a, phase], k) => s + a * Math.sin((k + 2) * angle + phase), 0));
        const d = Math.hypot(x - cx, y - cy) / edge;
        data[y * size + x] = (data[y * size + x] as number) + contrast / (1 + Math.exp((d - 1) * 8));
      }
  }
  for (let i = 0; i < n; i++) data[i] = Math.min(1, Math.max(0, data[i] as number));
  return { width: size, height: size, channels: 1, data, bitDepth: 16 };
}

/** Seed of one patient's image, so that each image is reproducible alone. */
export function mammogramSeed(seed: number, patient: number, image: number): number {
  return deriveSeed(seed, 'synthetic-mammogram', patient, image);
}
