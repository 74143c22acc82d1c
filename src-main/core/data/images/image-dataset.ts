import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import { openDatasetBundle, type OpenedDatasetBundle } from '../dataset-bundle.js';
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

function openImageBundle(workspace: Workspace, datasetId: string): OpenedDatasetBundle {
  return openDatasetBundle(workspace, datasetId, IMAGE_DATASET_KIND, 'an image dataset');
}

export function loadImageDataset(workspace: Workspace, datasetId: string): ImageDataset {
  const { row, meta, array } = openImageBundle(workspace, datasetId);
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

/**
 * The patients or studies behind an image dataset's pseudonymous groups, read from its bundle: shown only when a
 * user asks for them (`attest datasets identifiers`), never written to logs, rows or reports by default.
 */
export function imageGroupIdentifiers(workspace: Workspace, datasetId: string): Record<string, string> {
  const { meta } = openImageBundle(workspace, datasetId);
  return (meta['groupIdentifiers'] as Record<string, string> | undefined) ?? {};
}

/**
 * Model inputs of chosen samples under a model's recorded preprocessing rather than the dataset's own: the same
 * geometry is required (stored pixels are already fitted); the model's intensity normalization is applied.
 * Validating a model on another image dataset must use this, so that it sees inputs as in training.
 */
export function imageInputsForModel(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  model: ImagePreprocessing,
): Float32Array {
  const p = dataset.preprocessing;
  if (
    p.height !== model.height ||
    p.width !== model.width ||
    p.channels !== model.channels ||
    p.fit !== model.fit
  )
    throw badInput(
      `dataset ${dataset.id} holds ${p.height}x${p.width}x${p.channels} (${p.fit}) images; the model was trained on ${model.height}x${model.width}x${model.channels} (${model.fit}): import the data again with the model's --size, --fit and --channels`,
    );
  return normalizeImages(gatherImages(dataset, indices), model);
}
