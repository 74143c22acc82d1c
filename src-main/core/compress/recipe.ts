import { badInput } from '../errors.js';

/**
 * A compression recipe is a comma-separated chain of steps applied in order, e.g. `prune:0.8,quant:int8`.
 * Quantization changes how weights are stored, not the float model, so it must come last.
 */
export type RecipeStep = { kind: 'prune'; sparsity: number } | { kind: 'quant'; precision: 'int8' };

export const MAX_SPARSITY = 0.99;

const VALID_FORMS =
  'valid steps are prune:S (S the fraction of kernel weights set to zero, 0 < S <= 0.99, e.g. prune:0.8) ' +
  'and quant:int8, chained with commas, each at most once, quant last (e.g. prune:0.8,quant:int8)';

export function parseRecipe(text: string): RecipeStep[] {
  const fail = (problem: string): never => {
    throw badInput(`recipe ${JSON.stringify(text)}: ${problem}; ${VALID_FORMS}`);
  };
  const parts = text.split(',').map((part) => part.trim());
  if (text.trim() === '') fail('is empty');
  const steps: RecipeStep[] = [];
  for (const part of parts) {
    if (part === '') fail('has an empty step');
    const separator = part.indexOf(':');
    const method = (separator < 0 ? part : part.slice(0, separator)).trim().toLowerCase();
    const argument = separator < 0 ? '' : part.slice(separator + 1).trim();
    if (steps.some((step) => step.kind === method)) fail(`step ${method} appears twice`);
    if (steps.some((step) => step.kind === 'quant'))
      fail(`step ${part} comes after quant, which must be last`);
    if (method === 'prune') steps.push({ kind: 'prune', sparsity: parseSparsity(argument, fail) });
    else if (method === 'quant') {
      if (argument.toLowerCase() !== 'int8') fail(`quant:${argument} is not supported (only quant:int8)`);
      steps.push({ kind: 'quant', precision: 'int8' });
    } else fail(`unknown method ${JSON.stringify(method)}`);
  }
  return steps;
}

function parseSparsity(argument: string, fail: (problem: string) => never): number {
  if (argument === '') fail('prune needs a sparsity, e.g. prune:0.8');
  // Plain decimals only: "80%", "8e-1", "0x1" or "Infinity" are more likely typos than intent.
  if (!/^(?:\d+\.?\d*|\.\d+)$/.test(argument))
    fail(`sparsity ${JSON.stringify(argument)} is not a decimal number`);
  const sparsity = Number(argument);
  if (!(sparsity > 0 && sparsity <= MAX_SPARSITY))
    fail(
      `sparsity ${argument} is outside (0, ${MAX_SPARSITY}]${sparsity >= 1 && sparsity <= 100 ? ' (it is a fraction, not a percentage)' : ''}`,
    );
  return sparsity;
}
