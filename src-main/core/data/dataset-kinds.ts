import type { Workspace } from '../store/workspace.js';
import { badInput } from '../errors.js';
import { ecgSampleDataset, loadEcgDataset } from './ecg-dataset.js';
import { imageSampleDataset, loadImageDataset } from './images/image-dataset.js';
import { loadSampleDataset, registerDatasetKind, type SampleDataset } from './sample-dataset.js';

/** Every dataset kind the store can hold, with the loader that gives its generic view. */
registerDatasetKind('ecg-beats', (workspace, id) => ecgSampleDataset(loadEcgDataset(workspace, id)));
registerDatasetKind('images', (workspace, id) => imageSampleDataset(loadImageDataset(workspace, id)));
// Frames with boxes (core/detect) have no per-sample label: the classifier paths refuse them by name.
registerDatasetKind('detection-frames', (_workspace, id) => {
  throw badInput(
    `dataset ${id} holds frames with boxes: use the \`attest detect\` commands (train, evaluate, curve, compress, robustness)`,
  );
});

/** Loads any stored dataset as labelled model inputs (the kinds registered above). */
export function loadDataset(workspace: Workspace, datasetId: string): SampleDataset {
  return loadSampleDataset(workspace, datasetId);
}
