import { badInput } from '../errors.js';

/**
 * A compression recipe is a comma-separated chain of steps, e.g. `prune:0.8,quant:int8`. Each step is
 * `method[:value][:key=value...]`. Structural steps (student, filters, lowrank) change the network in the
 * order given; one fine-tuning phase follows them, during which the pruning schedule, quantization-aware
 * training, distillation from the parent and adversarial training apply together; `quant` (how the weights
 * are stored) comes last.
 */
export type PruneScope = 'per-layer' | 'global';

export type RecipeStep =
  | { kind: 'prune'; sparsity: number; scope: PruneScope; schedule: 'poly' | 'oneshot' }
  | { kind: 'filters'; keep: number; target: 'flops' | 'params'; criterion: 'l1' | 'activation' }
  | {
      kind: 'lowrank';
      rank?: number;
      energy?: number;
      p: number;
      layers: 'all' | 'dense' | 'conv';
      subspaces: number;
    }
  | { kind: 'student'; width: number }
  | { kind: 'distill'; temperature: number; alpha: number; features: number; teacher?: string }
  | { kind: 'adv'; epsilon: number; steps: number }
  | { kind: 'qat'; precision: 'int8' }
  | { kind: 'quant'; precision: 'int8' | 'float16'; keepFloat: string[] };

export const MAX_SPARSITY = 0.99;

const VALID_FORMS =
  'valid steps are prune:S (S the fraction of kernel weights set to zero, 0 < S <= 0.99, e.g. prune:0.8; ' +
  'options scope=layer|global, schedule=poly|oneshot), filters:F (keep the fraction F of FLOPs by removing ' +
  'whole filters; target=flops|params, criterion=l1|activation), lowrank:R (rank R >= 1, or the fraction ' +
  'of spectral energy 0 < R < 1; p=2 for SVD or 1 <= p < 2 for the robust l_p fit of Tukan et al. 2021, ' +
  'e.g. p=1; subspaces=J partitions the neurons into J parts with a subspace each at the same parameter ' +
  'budget; layers=all|dense|conv), ' +
  'student:W (a thinner copy of the network, W of its width, trained from the parent), distill (T=4, ' +
  'alpha=0.7, features=0, teacher=MODEL instead of the parent), adv:EPS (steps=1), qat:int8, and quant:int8 (float=LAYER+LAYER keeps layers in ' +
  'float) or quant:float16; chained with commas, each at most once, quant last (e.g. prune:0.8,quant:int8)';

type Fail = (problem: string) => never;

export function parseRecipe(text: string): RecipeStep[] {
  const fail: Fail = (problem) => {
    throw badInput(`recipe ${JSON.stringify(text)}: ${problem}; ${VALID_FORMS}`);
  };
  const parts = text.split(',').map((part) => part.trim());
  if (text.trim() === '') fail('is empty');
  const steps: RecipeStep[] = [];
  for (const part of parts) {
    if (part === '') fail('has an empty step');
    const fields = part.split(':').map((field) => field.trim());
    const method = (fields[0] ?? '').toLowerCase();
    const positional = fields.slice(1).filter((field) => !field.includes('='));
    const named = new Map<string, string>();
    for (const field of fields.slice(1).filter((f) => f.includes('='))) {
      const [key = '', value = ''] = field.split('=', 2).map((s) => s.trim());
      if (named.has(key.toLowerCase())) fail(`option ${key} of ${method} appears twice`);
      named.set(key.toLowerCase(), value);
    }
    if (positional.length > 1) fail(`step ${part} has more than one value`);
    const argument = positional[0] ?? '';
    if (steps.some((step) => step.kind === method)) fail(`step ${method} appears twice`);
    if (steps.some((step) => step.kind === 'quant'))
      fail(`step ${part} comes after quant, which must be last`);
    const options = new StepOptions(method, named, fail);
    steps.push(parseStep(method, argument, options, fail));
    options.rejectUnknown();
  }
  if (steps.some((s) => s.kind === 'student') && steps.some((s) => s.kind === 'filters'))
    fail('student and filters both reshape the network: use one of them');
  return steps;
}

function parseStep(method: string, argument: string, options: StepOptions, fail: Fail): RecipeStep {
  switch (method) {
    case 'prune': {
      if (argument === '') fail('prune needs a sparsity, e.g. prune:0.8');
      const scope = options.choice('scope', ['layer', 'global'], 'layer');
      return {
        kind: 'prune',
        sparsity: parseFraction(argument, 'sparsity', MAX_SPARSITY, fail),
        scope: scope === 'global' ? 'global' : 'per-layer',
        schedule: options.choice('schedule', ['poly', 'oneshot'], 'poly') as 'poly' | 'oneshot',
      };
    }
    case 'filters':
      if (argument === '') fail('filters needs the fraction of FLOPs to keep, e.g. filters:0.5');
      return {
        kind: 'filters',
        keep: parseFraction(argument, 'kept fraction', 0.99, fail),
        target: options.choice('target', ['flops', 'params'], 'flops') as 'flops' | 'params',
        criterion: options.choice('criterion', ['l1', 'activation'], 'l1') as 'l1' | 'activation',
      };
    case 'lowrank': {
      if (argument === '') fail('lowrank needs a rank (lowrank:8) or an energy fraction (lowrank:0.9)');
      const value = parseDecimal(argument, 'lowrank value', fail);
      const p = options.number('p', 2, 1, 2);
      const layers = options.choice('layers', ['all', 'dense', 'conv'], 'all') as 'all' | 'dense' | 'conv';
      const subspaces = options.number('subspaces', 1, 1, 16);
      if (!Number.isInteger(subspaces)) fail(`lowrank subspaces=${subspaces} is not an integer`);
      if (value >= 1) {
        if (!Number.isInteger(value) || value > 4096)
          fail(`rank ${argument} is not an integer from 1 to 4096`);
        return { kind: 'lowrank', rank: value, p, layers, subspaces };
      }
      if (!(value > 0)) fail(`energy ${argument} is outside (0, 1)`);
      return { kind: 'lowrank', energy: value, p, layers, subspaces };
    }
    case 'student':
      if (argument === '') fail('student needs a width fraction, e.g. student:0.5');
      return { kind: 'student', width: parseFraction(argument, 'width', 0.99, fail) };
    case 'distill': {
      if (argument !== '') fail('distill takes only named options, e.g. distill:T=4:alpha=0.7');
      const teacher = options.string('teacher');
      if (teacher !== undefined && !/^m-[0-9a-z-]+$/.test(teacher))
        fail(`teacher=${teacher} is not a model id (m-...)`);
      return {
        kind: 'distill',
        temperature: options.number('t', 4, 1, 100),
        alpha: options.number('alpha', 0.7, 0, 1),
        features: options.number('features', 0, 0, 1000),
        ...(teacher !== undefined ? { teacher } : {}),
      };
    }
    case 'adv': {
      if (argument === '') fail('adv needs an epsilon in input units, e.g. adv:0.02');
      const epsilon = parseDecimal(argument, 'epsilon', fail);
      if (!(epsilon > 0 && epsilon <= 10)) fail(`epsilon ${argument} is outside (0, 10]`);
      const steps = options.number('steps', 1, 1, 20);
      if (!Number.isInteger(steps)) fail(`steps ${steps} is not an integer`);
      return { kind: 'adv', epsilon, steps };
    }
    case 'qat':
      if (argument.toLowerCase() !== 'int8') fail(`qat:${argument} is not supported (only qat:int8)`);
      return { kind: 'qat', precision: 'int8' };
    case 'quant': {
      const precision = argument.toLowerCase();
      if (precision !== 'int8' && precision !== 'float16')
        fail(`quant:${argument} is not supported (quant:int8 or quant:float16)`);
      const keepFloat = (options.string('float') ?? '')
        .split('+')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (keepFloat.length > 0 && precision !== 'int8') fail('float=LAYERS only applies to quant:int8');
      return { kind: 'quant', precision: precision as 'int8' | 'float16', keepFloat };
    }
    default:
      return fail(`unknown method ${JSON.stringify(method)}`);
  }
}

class StepOptions {
  private readonly used = new Set<string>();
  constructor(
    private readonly method: string,
    private readonly named: Map<string, string>,
    private readonly fail: Fail,
  ) {}

  string(key: string): string | undefined {
    this.used.add(key);
    return this.named.get(key);
  }

  choice(key: string, allowed: string[], fallback: string): string {
    const value = this.string(key)?.toLowerCase();
    if (value === undefined) return fallback;
    if (!allowed.includes(value))
      this.fail(`${this.method} ${key}=${value} is not one of ${allowed.join(', ')}`);
    return value;
  }

  number(key: string, fallback: number, min: number, max: number): number {
    const text = this.string(key);
    if (text === undefined) return fallback;
    const value = parseDecimal(text, `${this.method} ${key}`, this.fail);
    if (!(value >= min && value <= max))
      this.fail(`${this.method} ${key}=${text} is outside [${min}, ${max}]`);
    return value;
  }

  rejectUnknown(): void {
    for (const key of this.named.keys())
      if (!this.used.has(key)) this.fail(`${this.method} has no option ${JSON.stringify(key)}`);
  }
}

function parseDecimal(argument: string, what: string, fail: Fail): number {
  // Plain decimals only: "80%", "8e-1", "0x1" or "Infinity" are more likely typos than intent.
  if (!/^(?:\d+\.?\d*|\.\d+)$/.test(argument))
    fail(`${what} ${JSON.stringify(argument)} is not a decimal number`);
  return Number(argument);
}

function parseFraction(argument: string, what: string, max: number, fail: Fail): number {
  const value = parseDecimal(argument, what, fail);
  if (!(value > 0 && value <= max))
    fail(
      `${what} ${argument} is outside (0, ${max}]${value >= 1 && value <= 100 ? ' (it is a fraction, not a percentage)' : ''}`,
    );
  return value;
}

/** The recipe's steps of one kind, if present. */
export function stepOf<K extends RecipeStep['kind']>(
  steps: RecipeStep[],
  kind: K,
): Extract<RecipeStep, { kind: K }> | undefined {
  return steps.find((step) => step.kind === kind) as Extract<RecipeStep, { kind: K }> | undefined;
}
