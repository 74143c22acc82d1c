import { badInput } from '../../errors.js';
import { parseNpy, type NpyArray } from '../timeseries/npy.js';
import { listZipEntries, readZipEntry } from '../archives/zip-entries.js';
import { NPZ_LIMITS } from '../import-limits.js';

/**
 * The arrays of a NumPy .npz archive (a zip of .npy files, stored or deflated), by name without ".npy". Each
 * entry's size is checked before it is inflated and its CRC-32 after (see zip-entries.ts).
 */
export function readNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const entry of listZipEntries(bytes, file, NPZ_LIMITS)) {
    if (!entry.name.endsWith('.npy')) continue;
    arrays.set(entry.name.slice(0, -4), parseNpy(readZipEntry(bytes, entry, file), `${file}:${entry.name}`));
  }
  if (arrays.size === 0) throw badInput('archive holds no .npy array', file);
  return arrays;
}

export interface NpzImageSplit {
  split: 'train' | 'val' | 'test';
  images: NpyArray;
  labels: NpyArray;
}

/**
 * MedMNIST layout: {train,val,test}_images (N, H, W) or (N, H, W, C) with {train,val,test}_labels (N,) or (N, 1).
 * Multi-label arrays (N, K > 1) are refused: Attest's classifiers take one label per image.
 */
export function medmnistSplits(arrays: Map<string, NpyArray>, file: string): NpzImageSplit[] {
  const out: NpzImageSplit[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    const images = arrays.get(`${split}_images`);
    const labels = arrays.get(`${split}_labels`);
    if (images === undefined && labels === undefined) continue;
    if (images === undefined || labels === undefined)
      throw badInput(`${split}_images and ${split}_labels must come together`, file);
    const [n, h, w, c = 1] = images.shape;
    if (images.shape.length < 3 || images.shape.length > 4 || (c !== 1 && c !== 3))
      throw badInput(
        `${split}_images has shape (${images.shape.join(', ')}); expected (N, H, W) or (N, H, W, 1|3)`,
        file,
      );
    if (labels.shape[0] !== n || labels.data.length !== n)
      throw badInput(
        `${split}_labels has shape (${labels.shape.join(', ')}) for ${n} images (one label each expected)`,
        file,
      );
    if ((h ?? 0) < 1 || (w ?? 0) < 1) throw badInput(`${split}_images are ${h} x ${w}`, file);
    // A label is a class number: 2.5 or a NaN would each become a class of its own.
    const odd = labels.data.findIndex((v) => !Number.isInteger(v) || v < 0);
    if (odd >= 0)
      throw badInput(
        `${split}_labels row ${odd + 1} holds ${String(labels.data[odd])}; labels must be whole class numbers from 0`,
        file,
      );
    out.push({ split, images, labels });
  }
  if (out.length === 0)
    throw badInput(
      `no MedMNIST arrays (train_images, train_labels, ...) in: ${[...arrays.keys()].join(', ')}`,
      file,
    );
  return out;
}
