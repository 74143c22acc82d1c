import type { Workspace } from '../store/workspace.js';
import type { tfl } from '../engine/tf.js';
import { getModel, type ModelRow } from '../store/models.js';
import { decodeModelArtifact } from '../models/artifact.js';
import { badInput } from '../errors.js';
import type { DetectionDataset } from './detection-dataset.js';

export interface StoredDetector {
  row: ModelRow;
  model: tfl.LayersModel;
  classes: string[];
}

/** A stored detector, refused with a clear message when the model is a classifier. The caller disposes it. */
export async function loadStoredDetector(workspace: Workspace, modelId: string): Promise<StoredDetector> {
  const row = getModel(workspace.db, modelId);
  const meta = (row.config['meta'] ?? {}) as Record<string, unknown>;
  if (meta['inputKind'] !== 'detection-frame')
    throw badInput(
      `model ${modelId} (${row.arch}) is not an object detector; train one with \`attest detect train\``,
    );
  const { model } = await decodeModelArtifact(
    workspace.artifacts.get(row.artifactSha256),
    `model ${modelId}`,
  );
  return { row, model, classes: meta['classes'] as string[] };
}

/** A detector scores a dataset only when both name the same classes in the same order. */
export function checkSameClasses(detector: StoredDetector, dataset: DetectionDataset): void {
  if (detector.classes.join('\n') !== dataset.classes.join('\n'))
    throw badInput(
      `model ${detector.row.id} detects ${detector.classes.join(', ')}; dataset ${dataset.id} has ${dataset.classes.join(', ')} (same names in the same order needed: import with --classes)`,
    );
}
