import type { tfl } from '../engine/tf.js';
import type { RecipeStep } from './recipe.js';
import type { CompressData } from './compress-data.js';
import { pruneFilters, type FilterPruneReport } from './prune-filters.js';
import { factorizeLowRank, type LowRankLayerReport } from './low-rank.js';
import { functionalConfig, graphNodes, modelFromConfig } from './graph.js';

export type StructuralReport =
  | { kind: 'filters'; report: FilterPruneReport }
  | { kind: 'lowrank'; p: number; subspaces: number; layers: LowRankLayerReport[] }
  | { kind: 'student'; width: number; params: number; parentParams: number };

/** Applies one network-reshaping recipe step; returns a new model (the caller disposes both). */
export async function applyStructuralStep(
  model: tfl.LayersModel,
  step: Extract<RecipeStep, { kind: 'filters' | 'lowrank' | 'student' }>,
  context: { seed: number; data: CompressData | undefined },
): Promise<{ model: tfl.LayersModel; report: StructuralReport }> {
  if (step.kind === 'filters') {
    const calibration = context.data && {
      inputs: context.data.calibration,
      sampleShape: context.data.dataset.sampleShape,
    };
    const out = await pruneFilters(model, step, calibration);
    return { model: out.model, report: { kind: 'filters', report: out.report } };
  }
  if (step.kind === 'lowrank') {
    const out = await factorizeLowRank(model, {
      p: step.p,
      layers: step.layers,
      subspaces: step.subspaces,
      seed: context.seed,
      ...(step.rank !== undefined ? { rank: step.rank } : {}),
      ...(step.energy !== undefined ? { energy: step.energy } : {}),
    });
    return {
      model: out.model,
      report: { kind: 'lowrank', p: step.p, subspaces: step.subspaces, layers: out.layers },
    };
  }
  const student = await thinStudent(model, step.width);
  return {
    model: student,
    report: {
      kind: 'student',
      width: step.width,
      params: student.countParams(),
      parentParams: model.countParams(),
    },
  };
}

/**
 * The same network with every Conv and Dense layer (but the classifier) `width` times as wide, freshly
 * initialized (with the parent's initializers and seeds): the student for distillation. Residual sums stay
 * consistent because every layer is scaled alike.
 */
export async function thinStudent(model: tfl.LayersModel, width: number): Promise<tfl.LayersModel> {
  const config = functionalConfig(model);
  const outputLayer = graphNodes(model).at(-1)?.layer.name;
  for (const layer of config.layers) {
    if (layer.name === outputLayer) continue;
    for (const key of ['filters', 'units'] as const) {
      const value = layer.config[key];
      if (typeof value === 'number') layer.config[key] = Math.max(1, Math.round(value * width));
    }
  }
  return modelFromConfig(config);
}
