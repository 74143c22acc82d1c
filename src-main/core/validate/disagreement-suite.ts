import type { JobContext } from '../jobs/job-context.js';
import { listModels, type ModelRow } from '../store/models.js';
import { predictProbabilities } from '../predict/predict.js';
import { disagreement, type DisagreementResult, type PopulationPredictions } from './disagreement.js';
import type { SuiteContext } from './suite-context.js';
import { decodeStoredModel } from '../predict/load-stored-model.js';

/** At most this many models of each population are loaded (seeds beyond it add little and cost time). */
export const MAX_POPULATION = 10;

/** A model's recipe without what differs between seeds of it: the seed itself, the name, the time limit. */
function recipeKey(row: ModelRow): string {
  const strip = (config: Record<string, unknown>): Record<string, unknown> => {
    const { seed: _seed, name: _name, maxMinutes: _maxMinutes, modelId: _modelId, ...rest } = config;
    return rest;
  };
  const compression = row.config['compression'] as Record<string, unknown> | undefined;
  const config = strip(row.config);
  return JSON.stringify({
    arch: row.arch,
    dataset: row.datasetId,
    parent: row.parentId,
    recipe: row.recipe,
    config: { ...config, ...(compression !== undefined ? { compression: strip(compression) } : {}) },
  });
}

/**
 * Models trained or derived exactly as `row` was except for the seed: same architecture, dataset, parent,
 * recipe and settings (epochs, learning rate, hardening...). Anything else is another experiment, not a seed.
 */
export function seedsLike(all: ModelRow[], row: ModelRow): ModelRow[] {
  const key = recipeKey(row);
  return all.filter((m) => m.id !== row.id && recipeKey(m) === key);
}

/**
 * The disagreement suite: the model against its parent on the split, and, where other seeds exist (the same
 * recipe applied to the same parent; the same training of other seeds), the populations against each other.
 */
export async function disagreementSuite(ctx: SuiteContext, job: JobContext): Promise<DisagreementResult> {
  const parent = await ctx.requireParent('disagreement');
  const all = listModels(ctx.workspace.db);
  const siblings = seedsLike(all, ctx.modelRow).slice(0, MAX_POPULATION - 1);
  const parentSeeds = seedsLike(all, parent.row).slice(0, MAX_POPULATION - 1);
  const probabilitiesOf = async (row: ModelRow): Promise<PopulationPredictions> => {
    const model = await decodeStoredModel(ctx.workspace, row);
    try {
      return {
        id: row.id,
        probabilities: predictProbabilities(model, ctx.inputs, ctx.sampleShape).probabilities,
      };
    } finally {
      model.dispose();
    }
  };
  const models: PopulationPredictions[] = [{ id: ctx.modelRow.id, probabilities: ctx.probabilities() }];
  const parents: PopulationPredictions[] = [
    {
      id: parent.row.id,
      probabilities: predictProbabilities(parent.model, ctx.inputs, ctx.sampleShape).probabilities,
    },
  ];
  const others = [
    ...siblings.map((row) => ['model', row] as const),
    ...parentSeeds.map((row) => ['parent', row] as const),
  ];
  for (const [k, [side, row]] of others.entries()) {
    job.progress(k / Math.max(1, others.length), `disagreement: predictions of ${row.id}`);
    (side === 'model' ? models : parents).push(await probabilitiesOf(row));
  }
  return disagreement({
    labels: ctx.labels,
    classes: ctx.dataset.classes,
    sampleIndices: ctx.indices,
    groupNames: Array.from(ctx.groups, (g) => ctx.dataset.groups[g] ?? String(g)),
    models,
    parents,
  });
}
