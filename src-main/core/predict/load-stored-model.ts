import type { tfl } from '../engine/tf.js';
import type { Workspace } from '../store/workspace.js';
import { getModel, type ModelRow } from '../store/models.js';
import { decodeModelArtifact } from '../models/artifact.js';
import { modelInputContract, type InputContract } from '../models/input-contract.js';

/**
 * A stored model's network, from its artifact (re-hashed on read, so a changed file is refused naming the
 * model); the caller disposes of it.
 */
export async function decodeStoredModel(workspace: Workspace, row: ModelRow): Promise<tfl.LayersModel> {
  const { model } = await decodeModelArtifact(workspace.artifacts.get(row.artifactSha256), `model ${row.id}`);
  return model;
}

/** A stored model ready to run, with its contract; the caller disposes of `model`. */
export async function loadStoredModel(
  workspace: Workspace,
  modelId: string,
): Promise<{ row: ModelRow; model: tfl.LayersModel; contract: InputContract }> {
  const row = getModel(workspace.db, modelId);
  const model = await decodeStoredModel(workspace, row);
  return { row, model, contract: modelInputContract(row) };
}
