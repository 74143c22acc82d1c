import sharp from 'sharp';
import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import { SPLIT_CODES } from '../sample-dataset.js';
import { loadImageDataset, type ImageDataset } from './image-dataset.js';

/** Longest side of a thumbnail; smaller stored images are sent as they are. */
export const THUMBNAIL_SIDE = 128;

export interface DatasetThumbnail {
  index: number;
  label: string;
  group: string;
  split: 'train' | 'test';
  /** A PNG as a data: address (the UI's Content Security Policy allows data: images, never file:). */
  png: string;
}

export interface DatasetThumbnails {
  height: number;
  width: number;
  channels: number;
  classes: string[];
  count: number;
  images: DatasetThumbnail[];
}

/** Up to `count` sample indices, in turn from each class (and train before test), so that every class shows. */
export function spreadIndices(dataset: ImageDataset, count: number): number[] {
  const queues = dataset.classes.map((_, k) => {
    const members: number[] = [];
    for (const side of [SPLIT_CODES.train, SPLIT_CODES.test])
      dataset.labels.forEach((label, i) => {
        if (label === k && dataset.split[i] === side) members.push(i);
      });
    return members;
  });
  const out: number[] = [];
  for (let round = 0; out.length < count && queues.some((q) => q.length > round); round++)
    for (const queue of queues) {
      const next = queue[round];
      if (next !== undefined && out.length < count) out.push(next);
    }
  return out;
}

/**
 * Stored samples of an image dataset as small PNGs: the fitted pixels exactly as the model sees them before
 * the intensity normalization (DICOM already through its window and MONOCHROME1 inversion at import).
 */
export async function datasetThumbnails(
  workspace: Workspace,
  datasetId: string,
  choice: { indices?: number[]; count?: number },
): Promise<DatasetThumbnails> {
  const dataset = loadImageDataset(workspace, datasetId);
  const n = dataset.labels.length;
  const indices = choice.indices ?? spreadIndices(dataset, choice.count ?? 24);
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
  if (bad !== undefined) throw badInput(`dataset ${datasetId} has ${n} images; there is no image ${bad}`);
  const { height, width, channels } = dataset.preprocessing;
  const size = height * width * channels;
  const images: DatasetThumbnail[] = [];
  for (const index of indices) {
    const bytes = Buffer.alloc(size);
    for (let k = 0; k < size; k++) bytes[k] = Math.round((dataset.pixels[index * size + k] as number) / 257);
    let image = sharp(bytes, { raw: { width, height, channels } });
    // A grid tile needs no more: a 512 px dataset would otherwise send a quarter megabyte per image.
    if (width > THUMBNAIL_SIDE || height > THUMBNAIL_SIDE)
      image = image.resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside' });
    const png = await image.png().toBuffer();
    images.push({
      index,
      label: dataset.classes[dataset.labels[index] as number] ?? '?',
      group: dataset.groups[dataset.group[index] as number] ?? '?',
      split: dataset.split[index] === SPLIT_CODES.test ? 'test' : 'train',
      png: `data:image/png;base64,${png.toString('base64')}`,
    });
  }
  return { height, width, channels, classes: dataset.classes, count: n, images };
}
