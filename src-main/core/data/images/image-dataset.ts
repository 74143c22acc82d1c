import type { Workspace } from '../../store/workspace.js';
import { getDataset } from '../../store/datasets.js';
import { decodeTensorBundle } from '../../store/tensor-bundle.js';
import { AttestError, badInput } from '../../errors.js';
import type { SampleDataset } from '../sample-dataset.js';
import { normalizeImages, type ImagePreprocessing } from './preprocess.js';
import { IMAGE_DATASET_KIND } from './image-dataset-store.js';

/** The input kind image architectures declare: [height, width, channels] images preprocessed as recorded. */
export const IMAGE_INPUT_KIND = 'image';

export interface ImageDataset {
  id: string;
  name: string;
  classes: string[];
  groups: string[];
  groupKind: string;
  preprocessing: ImagePreprocessing;
  /** Fitted pixels as 16-bit fractions of [0, 1]. */
  pixels: Uint16Array;
  labels: Uint8Array;
  group: Int32Array;
  split: Uint8Array;
  attributes: Record<string, string>[];
}

export function loadImageDataset(workspace: Workspace, datasetId: string): ImageDataset {
  const row = getDataset(workspace.db, datasetId);
  if (row.kind !== IMAGE_DATASET_KIND)
    throw badInput(`dataset ${datasetId} is ${row.kind}, not an image dataset`);
  const bundle = decodeTensorBundle(workspace.artifacts.get(row.dataSha256), `dataset ${datasetId}`);
  const array = <T>(name: string): T => {
    const value = bundle.arrays.get(name);
    if (value === undefined) throw new AttestError('INTERNAL', `dataset ${datasetId} bundle lacks "${name}"`);
    return value as T;
  };
  const meta = bundle.meta;
  return {
    id: row.id,
    name: row.name,
    classes: meta['classes'] as string[],
    groups: meta['groups'] as string[],
    groupKind: meta['groupKind'] as string,
    preprocessing: meta['preprocessing'] as ImagePreprocessing,
    pixels: array<Uint16Array>('pixels'),
    labels: array<Uint8Array>('labels'),
    group: array<Int32Array>('group'),
    split: array<Uint8Array>('split'),
    attributes: (meta['attributes'] as Record<string, string>[] | undefined) ?? [],
  };
}

/** Fitted pixels of chosen samples in [0, 1], before the intensity normalization. */
export function gatherImages(dataset: ImageDataset, indices: ArrayLike<number>): Float32Array {
  const { height, width, channels } = dataset.preprocessing;
  const size = height * width * channels;
  const out = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    for (let j = 0; j < size; j++) out[k * size + j] = (dataset.pixels[i * size + j] as number) / 65535;
  }
  return out;
}

/** The generic view: model inputs are the stored images with the recorded normalization applied. */
export function imageSampleDataset(dataset: ImageDataset): SampleDataset {
  const p = dataset.preprocessing;
  return {
    id: dataset.id,
    name: dataset.name,
    kind: IMAGE_DATASET_KIND,
    inputKind: IMAGE_INPUT_KIND,
    classes: dataset.classes,
    sampleShape: [p.height, p.width, p.channels],
    count: dataset.labels.length,
    labels: dataset.labels,
    group: Uint32Array.from(dataset.group),
    groups: dataset.groups,
    split: dataset.split,
    inputs: (indices) => normalizeImages(gatherImages(dataset, indices), p),
    modelMeta: { imagePreprocessing: p, groupKind: dataset.groupKind },
  };
}
