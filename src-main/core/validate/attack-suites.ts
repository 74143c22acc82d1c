import { badInput } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import { DEFAULT_FGSM_EPSILONS, fgsmSuiteAsync, type FgsmResult } from './fgsm.js';
import { pgdSweepAsync, type PgdNorm, type PgdSettings } from './pgd.js';
import { sparseSweepAsync } from './sparse-attack.js';
import { squareSweepAsync } from './square-attack.js';
import { transferAsync, type TransferResult } from './transfer-attack.js';
import type { AttackSweep } from './attack-sweep.js';
import type { SuiteContext } from './suite-context.js';
import type { ValidateOptions } from './validate-options.js';
import { reviewerScale, type ReviewerScale } from './reviewer-units.js';
import { perturbableMask } from '../data/sample-dataset.js';
import { runtimeOnlySentence } from '../models/runtime-only.js';
import { transferSource } from './transfer-source.js';

export const DEFAULT_L2_EPSILONS = [0.1, 0.5, 1];
export const DEFAULT_SPARSE_MAGNITUDE = 1;

function targetIndex(ctx: SuiteContext, options: ValidateOptions): number | undefined {
  if (options.target === undefined) return undefined;
  const index = ctx.dataset.classes.indexOf(options.target);
  if (index < 0)
    throw badInput(`--target "${options.target}" is not one of ${ctx.dataset.classes.join(', ')}`);
  return index;
}

function pgdSettings(options: ValidateOptions): Partial<PgdSettings> {
  return {
    ...(options.pgdSteps !== undefined ? { steps: options.pgdSteps } : {}),
    ...(options.pgdStepSize !== undefined ? { stepSize: options.pgdStepSize } : {}),
    ...(options.pgdRestarts !== undefined ? { restarts: options.pgdRestarts } : {}),
    ...(options.pgdRandomStart !== undefined ? { randomStart: options.pgdRandomStart } : {}),
  };
}

/** The suites that cannot yet leave a context tail alone refuse such datasets rather than corrupt the R-R values. */
function refuseContextTail(ctx: SuiteContext, suite: string): void {
  const tail = ctx.dataset.contextTail;
  if (tail !== undefined)
    throw badInput(
      `the ${suite} suite would change the ${tail.length} context values (${tail.names.join(', ')}) at the end of each sample of dataset ${ctx.dataset.id}; run fgsm or pgd, which perturb the signal only`,
    );
}

function attackInputs(ctx: SuiteContext) {
  const mask = perturbableMask(
    ctx.sampleShape.reduce((a, b) => a * b, 1),
    ctx.dataset.contextTail,
  );
  return {
    ...(mask !== undefined ? { mask } : {}),
    model: ctx.model,
    inputs: ctx.inputs,
    sampleShape: ctx.sampleShape,
    labels: ctx.labels,
    classes: ctx.classCount,
    classNames: ctx.dataset.classes,
    seed: ctx.seed,
    unit: ctx.unit,
  };
}

export async function fgsmSuiteOf(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<FgsmResult & { reviewerScale: ReviewerScale | null }> {
  const result = await fgsmSuiteAsync(
    {
      ...attackInputs(ctx),
      ...(options.epsilons !== undefined ? { epsilons: options.epsilons } : {}),
    },
    job,
  );
  // The budget also in millivolts or grey levels, the units a reviewer can picture.
  return { ...result, reviewerScale: reviewerScale(ctx) };
}

/** PGD sweeps: one per norm, plus a targeted L-inf sweep when a target class is given. */
export async function pgdSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<{ sweeps: AttackSweep[] }> {
  const norms: PgdNorm[] = options.pgdNorms ?? ['Linf'];
  const target = targetIndex(ctx, options);
  const sweeps: AttackSweep[] = [];
  for (const norm of norms) {
    sweeps.push(
      await pgdSweepAsync(
        {
          ...attackInputs(ctx),
          epsilons:
            norm === 'L2'
              ? (options.l2Epsilons ?? DEFAULT_L2_EPSILONS)
              : (options.epsilons ?? DEFAULT_FGSM_EPSILONS),
          settings: { ...pgdSettings(options), norm },
        },
        job,
      ),
    );
  }
  if (target !== undefined)
    sweeps.push(
      await pgdSweepAsync(
        {
          ...attackInputs(ctx),
          epsilons: options.epsilons ?? DEFAULT_FGSM_EPSILONS,
          settings: { ...pgdSettings(options), norm: 'Linf', target },
        },
        job,
      ),
    );
  return { sweeps };
}

export async function sparseSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<{ sweeps: AttackSweep[] }> {
  refuseContextTail(ctx, 'sparse');
  const target = targetIndex(ctx, options);
  const sweep = await sparseSweepAsync(
    {
      ...attackInputs(ctx),
      unit: 'values changed (k)',
      magnitude: options.sparseMagnitude ?? DEFAULT_SPARSE_MAGNITUDE,
      ...(options.sparseSteps !== undefined ? { steps: options.sparseSteps } : {}),
      ...(options.sparseBudgets !== undefined ? { budgets: options.sparseBudgets } : {}),
      ...(target !== undefined ? { target } : {}),
    },
    job,
  );
  return { sweeps: [sweep] };
}

export async function squareSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<{ sweeps: AttackSweep[] }> {
  refuseContextTail(ctx, 'square');
  const target = targetIndex(ctx, options);
  const sweep = await squareSweepAsync(
    {
      ...attackInputs(ctx),
      epsilons: options.epsilons ?? DEFAULT_FGSM_EPSILONS,
      ...(options.squareQueries !== undefined ? { queries: options.squareQueries } : {}),
      ...(target !== undefined ? { target } : {}),
    },
    job,
  );
  return { sweeps: [sweep] };
}

export async function transferSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<TransferResult> {
  refuseContextTail(ctx, 'transfer');
  const source = await transferSource(ctx, options.surrogateModelId);
  const noGradients = runtimeOnlySentence(ctx.modelRow);
  try {
    return await transferAsync(
      {
        ...attackInputs(ctx),
        source: source.model,
        sourceModelId: source.row.id,
        sourceRole: source.role,
        epsilons: options.epsilons ?? DEFAULT_FGSM_EPSILONS,
        settings: pgdSettings(options),
        ...(noGradients !== undefined
          ? { noWhiteBox: `${noGradients}; PGD on its own gradients cannot run` }
          : {}),
      },
      job,
    );
  } finally {
    if (source.owned) source.model.dispose();
  }
}
