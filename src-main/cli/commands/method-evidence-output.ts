import type { CommandContext } from '../command.js';
import { parseRecipe } from '../../core/compress/recipe.js';
import { methodEvidence, type MethodEvidence } from '../../core/pipelines/methods/method-evidence.js';

/** The research methods (as `methods reproduce` names them) a compress recipe uses. */
export function recipeMethods(recipe: string): string[] {
  return parseRecipe(recipe).some((s) => s.kind === 'lowrank' && (s.p < 2 || s.subspaces > 1))
    ? ['lowrank-lp']
    : [];
}

/**
 * A command's result with the evidence for each research method it used (methodEvidence in the JSON), and a
 * stderr line for every method whose effect is not shown, so that its result is never read as proven.
 */
export function withMethodEvidence<T extends object>(
  context: CommandContext,
  result: T,
  methods: string[],
): T & { methodEvidence?: MethodEvidence[] } {
  if (methods.length === 0) return result;
  const evidence = methods.map((m) => methodEvidence(context.workspace(), m));
  for (const e of evidence) if (e.verdict !== 'shown') context.out.log(`attest: note: ${e.note}`);
  return { ...result, methodEvidence: evidence };
}
