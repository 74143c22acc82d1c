import type { tfl } from '../engine/tf.js';
import type { Workspace } from '../store/workspace.js';
import { getModel, type ModelRow } from '../store/models.js';
import { decodeModelArtifact } from '../models/artifact.js';
import { modelInputContract, type InputContract } from '../models/input-contract.js';

/** A stored model ready to run, with its contract; the caller disposes of `model`. */
export async function loadStoredModel(
  workspace: Workspace,
  modelId: string,
): Promise<{ row: ModelRow; model: tfl.LayersModel; contract: InputContract }> {
  const row = getModel(workspace.db, modelId);
  const { model } = await decodeModelArtifact(workspace.artifacts.get(row.artifactSha256), `model ${row.id}`);
  return { row, model, contract: modelInputContract(row) };
}
