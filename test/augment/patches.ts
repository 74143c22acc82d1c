import {
  syntheticMammogramPatch,
  MAMMOGRAM_CLASSES,
} from '../../src-main/core/data/images/synthetic-mammogram.js';
import { storeImageDataset, storedPixels } from '../../src-main/core/data/images/image-dataset-store.js';
import { SPLIT_CODES } from '../../src-main/core/data/sample-dataset.js';
import type { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';

/** `count` synthetic mammogram patches (size x size, one channel) back to back, classes in turn, from `seed`. */
export function mammogramPatches(
  count: number,
  size: number,
  seed: number,
): { pixels: Float32Array; labels: number[] } {
  const pixels = new Float32Array(count * size * size);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    pixels.set(
      syntheticMammogramPatch(label === 0 ? 'normal' : 'mass', size, seed * 100_000 + i).data,
      i * size * size,
    );
    labels.push(label);
  }
  return { pixels, labels };
}

/**
 * A small stored image dataset of 16 px synthetic mammogram patches (normal or mass), four per patient, split by
 * patient: enough held-out patients in the train split for the leak check's 20 reference images.
 */
export function storeMammogramDataset(workspace: Workspace, patients = 36, testPatients = 6): string {
  const size = 16;
  const perPatient = 4;
  const { pixels, labels } = mammogramPatches(patients * perPatient, size, 7);
  const groups = labels.map((_, i) => Math.floor(i / perPatient));
  const result = storeImageDataset(
    workspace,
    {
      name: 'mammogram patches',
      importer: 'test',
      params: { test: true },
      classes: [MAMMOGRAM_CLASSES[0], MAMMOGRAM_CLASSES[2]],
      groupNames: Array.from({ length: patients }, (_, p) => `patient-${String(p + 1).padStart(3, '0')}`),
      groupKind: 'patient',
      preprocessing: {
        version: 1,
        height: size,
        width: size,
        fit: 'stretch',
        channels: 1,
        normalization: 'per-image',
      },
      sources: [],
    },
    {
      pixels: labels.map((_, i) => storedPixels(pixels.subarray(i * size * size, (i + 1) * size * size))),
      labels,
      groups,
      splits: groups.map((g) => (g >= patients - testPatients ? SPLIT_CODES.test : SPLIT_CODES.train)),
      attributes: labels.map(() => ({})),
    },
    [],
    [],
    quietContext(),
  );
  return result.datasetId;
}
