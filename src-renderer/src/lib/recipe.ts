/**
 * The recipe builder's choices and the recipe text the engine parses (core/compress/recipe.ts): structural steps
 * first, pruning and distillation during the fine-tuning, storage last.
 */
export interface RecipeChoices {
  prune: boolean;
  sparsity: number;
  globalScope: boolean;
  filters: boolean;
  keepFlops: number;
  lowrank: boolean;
  energy: number;
  distill: boolean;
  storage: 'float32' | 'int8' | 'float16';
}

export function recipeText(c: RecipeChoices): string {
  const steps: string[] = [];
  if (c.filters) steps.push(`filters:${c.keepFlops.toFixed(2)}`);
  if (c.lowrank) steps.push(`lowrank:${c.energy.toFixed(2)}`);
  if (c.prune) steps.push(`prune:${c.sparsity.toFixed(2)}${c.globalScope ? ':scope=global' : ''}`);
  if (c.distill) steps.push('distill');
  if (c.storage !== 'float32') steps.push(`quant:${c.storage}`);
  return steps.join(',');
}

export interface Prediction {
  sizeBytes: number;
  flops: number | null;
  latencyMs: number | null;
}

/**
 * A rough forecast before running, from the parent's figures: storage divides the bytes of the weights, whole
 * filters and low rank remove computation, unstructured pruning zeroes weights without shrinking a dense file.
 */
export function predict(
  c: RecipeChoices,
  parent: { sizeBytes: number; flops: number | null; latencyMs: number | null },
): Prediction {
  let structural = 1;
  if (c.filters) structural *= c.keepFlops;
  if (c.lowrank) structural *= Math.min(1, 0.3 + c.energy * 0.5);
  const storage = c.storage === 'int8' ? 0.28 : c.storage === 'float16' ? 0.52 : 1;
  return {
    sizeBytes: Math.round(parent.sizeBytes * structural * storage),
    flops: parent.flops === null ? null : Math.round(parent.flops * structural),
    latencyMs: parent.latencyMs === null ? null : parent.latencyMs * structural,
  };
}
