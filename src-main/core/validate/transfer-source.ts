import type { tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import { decodeModelArtifact } from '../models/artifact.js';
import { datasetForModel } from '../models/image-contract.js';
import { refuseRuntimeOnly } from '../models/runtime-only.js';
import { loadDataset } from '../data/dataset-kinds.js';
import { getModel, type ModelRow } from '../store/models.js';
import type { SuiteContext } from './suite-context.js';

/**
 * The surrogate of the transfer suite checked before any suite runs: it needs gradients, the classes of the
 * model under test in the same order, and to accept the dataset under its own input contract (both sides named
 * otherwise), so that a mistake is refused with nothing stored rather than recorded as a failed suite.
 */
export function checkSurrogate(ctx: SuiteContext, surrogateId: string): ModelRow {
  if (surrogateId === ctx.modelRow.id)
    throw badInput(
      `--surrogate ${surrogateId} is the model under test: the transfer suite crafts its examples on another model`,
    );
  const row = getModel(ctx.workspace.db, surrogateId);
  refuseRuntimeOnly(row, `crafting the transfer attack on surrogate ${row.id}`);
  // The same shape, preprocessing and classes (names and order) as the dataset, both sides named otherwise.
  datasetForModel(ctx.workspace, row, loadDataset(ctx.workspace, ctx.dataset.id));
  return row;
}

/** The model the transfer suite crafts on: the surrogate when one is named, else the parent, else refused. */
export async function transferSource(
  ctx: SuiteContext,
  surrogateId: string | undefined,
): Promise<{ row: ModelRow; model: tfl.LayersModel; role: 'parent' | 'surrogate'; owned: boolean }> {
  if (surrogateId !== undefined) {
    const row = checkSurrogate(ctx, surrogateId);
    const { model } = await decodeModelArtifact(
      ctx.workspace.artifacts.get(row.artifactSha256),
      `model ${row.id}`,
    );
    return { row, model, role: 'surrogate', owned: true };
  }
  const parent = await ctx.parent();
  if (parent === undefined)
    throw badInput(
      `the transfer suite crafts its examples on another model's gradients, by default its parent; model ${ctx.modelRow.id} is a baseline without parent: name a surrogate with --surrogate MODEL (a model with gradients trained for the same classes)`,
    );
  return { ...parent, role: 'parent', owned: false };
}
