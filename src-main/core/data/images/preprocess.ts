import { badInput } from '../../errors.js';
import { withChannels, type DecodedImage } from './decoded-image.js';

/**
 * How source images become model inputs, recorded in the dataset's metadata and copied into every model trained
 * on it, so that any later inference applies exactly the same steps: the geometry (resize, crop or pad to the
 * model's input), the channel count, then the intensity normalization.
 */
export interface ImagePreprocessing {
  version: 1;
  height: number;
  width: number;
  /** stretch: resize to the size; crop: centre-crop to the aspect ratio first; pad: letterbox with zeros. */
  fit: 'stretch' | 'crop' | 'pad';
  channels: 1 | 3;
  normalization: ImageNormalization;
}

export type ImageNormalization =
  /** (x - mean) / std per channel, the statistics of the training split at import. */
  | { kind: 'dataset'; mean: number[]; std: number[] }
  /** Each image to zero mean and unit variance (robust to exposure differences between devices). */
  | { kind: 'per-image' }
  /** Intensities as decoded, in [0, 1]. */
  | { kind: 'unit' };

export const FITS = ['stretch', 'crop', 'pad'] as const;

export function checkImageSize(height: number, width: number): void {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const)
    if (!Number.isInteger(v) || v < 8 || v > 512)
      throw badInput(`image ${name} must be an integer from 8 to 512, got ${v}`);
}

/** Per output index, the source indices and weights: area averaging when shrinking, linear when enlarging. */
function axisWeights(
  source: number,
  target: number,
): { index: Int32Array; weight: Float32Array; offsets: Int32Array } {
  const index: number[] = [];
  const weight: number[] = [];
  const offsets = new Int32Array(target + 1);
  const scale = source / target;
  for (let t = 0; t < target; t++) {
    offsets[t] = index.length;
    if (scale > 1) {
      const start = t * scale;
      const end = start + scale;
      for (let s = Math.floor(start); s < Math.min(source, Math.ceil(end)); s++) {
        const w = Math.min(end, s + 1) - Math.max(start, s);
        if (w > 0) {
          index.push(s);
          weight.push(w / scale);
        }
      }
    } else {
      const centre = Math.min(source - 1, Math.max(0, (t + 0.5) * scale - 0.5));
      const s0 = Math.floor(centre);
      const s1 = Math.min(source - 1, s0 + 1);
      const f = centre - s0;
      index.push(s0, s1);
      weight.push(1 - f, f);
    }
  }
  offsets[target] = index.length;
  return { index: Int32Array.from(index), weight: Float32Array.from(weight), offsets };
}

/** Resamples an image region to height x width (separable; deterministic, no native library involved). */
export function resizeImage(image: DecodedImage, height: number, width: number): DecodedImage {
  const c = image.channels;
  const wx = axisWeights(image.width, width);
  const wy = axisWeights(image.height, height);
  const rows = new Float32Array(image.height * width * c);
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < width; x++)
      for (let k = wx.offsets[x] as number; k < (wx.offsets[x + 1] as number); k++) {
        const src = (y * image.width + (wx.index[k] as number)) * c;
        const dst = (y * width + x) * c;
        for (let ch = 0; ch < c; ch++)
          rows[dst + ch] =
            (rows[dst + ch] as number) + (wx.weight[k] as number) * (image.data[src + ch] as number);
      }
  const out = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++)
    for (let k = wy.offsets[y] as number; k < (wy.offsets[y + 1] as number); k++) {
      const w = wy.weight[k] as number;
      const srcRow = (wy.index[k] as number) * width * c;
      for (let i = 0; i < width * c; i++)
        out[y * width * c + i] = (out[y * width * c + i] as number) + w * (rows[srcRow + i] as number);
    }
  return { ...image, width, height, data: out };
}

/** A rectangle of an image (clamped by the caller to lie inside it). */
export function cropImage(
  image: DecodedImage,
  x: number,
  y: number,
  width: number,
  height: number,
): DecodedImage {
  const c = image.channels;
  const data = new Float32Array(width * height * c);
  for (let row = 0; row < height; row++)
    data.set(
      image.data.subarray(((y + row) * image.width + x) * c, ((y + row) * image.width + x + width) * c),
      row * width * c,
    );
  return { ...image, width, height, data };
}

/** Geometry and channels: the part of the preprocessing stored per sample (intensities still in [0, 1]). */
export function fitImage(
  source: DecodedImage,
  spec: Pick<ImagePreprocessing, 'height' | 'width' | 'fit' | 'channels'>,
): Float32Array {
  let image = withChannels(source, spec.channels);
  const targetAspect = spec.width / spec.height;
  const aspect = image.width / image.height;
  if (spec.fit === 'crop' && Math.abs(aspect - targetAspect) > 1e-9) {
    const w = aspect > targetAspect ? Math.max(1, Math.round(image.height * targetAspect)) : image.width;
    const h = aspect > targetAspect ? image.height : Math.max(1, Math.round(image.width / targetAspect));
    image = cropImage(image, Math.floor((image.width - w) / 2), Math.floor((image.height - h) / 2), w, h);
  }
  if (spec.fit === 'pad' && Math.abs(aspect - targetAspect) > 1e-9) {
    const scale = Math.min(spec.width / image.width, spec.height / image.height);
    const w = Math.max(1, Math.round(image.width * scale));
    const h = Math.max(1, Math.round(image.height * scale));
    const inner = resizeImage(image, h, w);
    const out = new Float32Array(spec.width * spec.height * spec.channels);
    const x0 = Math.floor((spec.width - w) / 2);
    const y0 = Math.floor((spec.height - h) / 2);
    for (let row = 0; row < h; row++)
      out.set(
        inner.data.subarray(row * w * spec.channels, (row + 1) * w * spec.channels),
        ((y0 + row) * spec.width + x0) * spec.channels,
      );
    return out;
  }
  if (image.width === spec.width && image.height === spec.height) return Float32Array.from(image.data);
  return resizeImage(image, spec.height, spec.width).data;
}

/** The intensity step, on samples already fitted (n images of height x width x channels, back to back). */
export function normalizeImages(pixels: Float32Array, spec: ImagePreprocessing): Float32Array {
  const size = spec.height * spec.width * spec.channels;
  if (pixels.length % size !== 0) throw badInput(`${pixels.length} values are not whole images of ${size}`);
  const out = new Float32Array(pixels.length);
  const norm = spec.normalization;
  if (norm.kind === 'unit') {
    out.set(pixels);
  } else if (norm.kind === 'dataset') {
    for (let i = 0; i < pixels.length; i++) {
      const ch = i % spec.channels;
      out[i] = ((pixels[i] as number) - (norm.mean[ch] as number)) / (norm.std[ch] as number);
    }
  } else {
    for (let start = 0; start < pixels.length; start += size) {
      let sum = 0;
      let squares = 0;
      for (let i = start; i < start + size; i++) {
        sum += pixels[i] as number;
        squares += (pixels[i] as number) ** 2;
      }
      const mean = sum / size;
      const std = Math.sqrt(Math.max(squares / size - mean * mean, 0)) || 1;
      for (let i = start; i < start + size; i++) out[i] = ((pixels[i] as number) - mean) / std;
    }
  }
  return out;
}

/** Per-channel mean and standard deviation of fitted samples (the 'dataset' normalization, from the train split). */
export function channelStatistics(pixels: Float32Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let i = 0; i < pixels.length; i++) {
    const ch = i % channels;
    sum[ch] = (sum[ch] as number) + (pixels[i] as number);
    squares[ch] = (squares[ch] as number) + (pixels[i] as number) ** 2;
  }
  return channelStatisticsFromSums(sum, squares, pixels.length / channels);
}

/** Mean and standard deviation (1 where a channel is constant) from per-channel sums over n pixels. */
export function channelStatisticsFromSums(
  sum: Float64Array,
  squares: Float64Array,
  n: number,
): { mean: number[]; std: number[] } {
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(squares, (q, ch) => Math.sqrt(Math.max(q / n - (mean[ch] as number) ** 2, 0)) || 1);
  return { mean, std };
}

/** The whole preprocessing for one new image at inference: exactly what the dataset's samples went through. */
export function preprocessImage(image: DecodedImage, spec: ImagePreprocessing): Float32Array {
  return normalizeImages(fitImage(image, spec), spec);
}
