import type { ActionResponse, MethodJobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import { throwIfCancelled } from '../../core/jobs/job-context.js';
import { initEngine } from '../../core/engine/backend.js';
import { lrRangeTest } from '../../core/pipelines/train/lr-range-test.js';
import { compareLrPolicies } from '../../core/pipelines/compare/compare-lr-policies.js';
import { compareSemiSupervised } from '../../core/pipelines/compare/compare-semi.js';
import { compareLowBit } from '../../core/pipelines/compare/compare-low-bit.js';
import { compareMembershipDefense } from '../../core/pipelines/compare/compare-membership-defense.js';
import { trainingMethodsOf } from '../../core/train/training-method.js';
import { measureActivationSparsity } from '../../core/pipelines/compress/stored-activation-sparsity.js';
import { measureStoredModel } from '../../core/pipelines/compress/measure-stored.js';
import { explainModels } from '../../core/pipelines/explain/explain-models.js';
import { listComparisons } from '../../core/store/method-comparisons.js';
import { listModels } from '../../core/store/models.js';
import { compareAugmentation } from '../../core/pipelines/compare/compare-augmentation.js';
import { allMethodEvidence } from '../../core/pipelines/methods/method-evidence.js';
import { METHODS } from '../../core/pipelines/methods/reproduce.js';

const percents = (fractions: number[]) => fractions.map((f) => `${Math.round(f * 100)}%`).join(', ');

/** The job list's title of a method job, in the words a user would use. */
export function methodJobTitle(spec: MethodJobSpec): string {
  switch (spec.kind) {
    case 'lr-find':
      return `Learning-rate range test of ${spec.arch} on ${spec.datasetId}`;
    case 'lr-compare':
      return `Compare learning-rate policies (${spec.policies.join(', ')}) on ${spec.datasetId}`;
    case 'semi-compare':
      return `Compare ${spec.method} with supervised training at ${percents(spec.fractions)} of the labels`;
    case 'lowbit-compare':
      return `Compare 8-bit training, quantization-aware training and float on ${spec.datasetId}`;
    case 'sparsity-compare':
      return `Activation sparsity and latency of ${spec.modelIds.join(', ')}`;
    case 'explain-compare':
      return `Attribution sparseness and stability of ${spec.modelIds.join(', ')}`;
    case 'membership-compare':
      return `Membership-inference defence of ${spec.modelId}: the attack before and after`;
    case 'augment-compare':
      return `Compare augmentation (${(spec.configurations ?? ['none', 'classic', 'synthetic', 'both']).join(', ')}) on ${spec.datasetId}`;
  }
}

/** Calls the core for a method job exactly as the CLI commands do (lr, semi, lowbit, models sparsity...). */
export async function runMethodJob(
  workspace: Workspace,
  spec: MethodJobSpec,
  context: JobContext,
): Promise<unknown> {
  await initEngine();
  switch (spec.kind) {
    case 'lr-find': {
      const { kind: _kind, ...options } = spec;
      return lrRangeTest(workspace, options, context);
    }
    case 'lr-compare': {
      const { kind: _kind, ...options } = spec;
      return compareLrPolicies(workspace, options, context);
    }
    case 'semi-compare': {
      const { kind: _kind, ...options } = spec;
      return compareSemiSupervised(workspace, options, context);
    }
    case 'lowbit-compare':
      return compareLowBit(
        workspace,
        { datasetId: spec.datasetId, epochs: spec.epochs, seed: spec.seed },
        context,
      );
    case 'sparsity-compare': {
      // Latency first (stored per model and backend), so that the comparison row carries it.
      if (spec.measureLatency !== false)
        for (const [k, modelId] of spec.modelIds.entries()) {
          throwIfCancelled(context.signal);
          context.progress((0.5 * k) / spec.modelIds.length, `timing ${modelId}`);
          await measureStoredModel(workspace, modelId);
        }
      const from = spec.measureLatency !== false ? 0.5 : 0;
      return measureActivationSparsity(
        workspace,
        {
          modelIds: spec.modelIds,
          datasetId: spec.datasetId,
          split: spec.split,
          ...(spec.samples !== undefined ? { samples: spec.samples } : {}),
        },
        { ...context, progress: (f, m) => context.progress(from + (1 - from) * f, m) },
      );
    }
    case 'explain-compare': {
      const { kind: _kind, ...options } = spec;
      return explainModels(workspace, options, context);
    }
    case 'membership-compare': {
      const { kind: _kind, ...options } = spec;
      return compareMembershipDefense(workspace, options, context);
    }
    case 'augment-compare': {
      const { kind: _kind, ...options } = spec;
      return compareAugmentation(workspace, options, context);
    }
  }
}

/** Store lists the compare view reads: the stored comparisons and which models were trained with a method. */
export function methodHandlers(workspace: Workspace) {
  return {
    'methods.evidence': (): ActionResponse<'methods.evidence'> => ({
      methods: allMethodEvidence(workspace, Object.keys(METHODS)),
    }),
    'comparisons.list': (payload: { datasetId?: string }): ActionResponse<'comparisons.list'> => ({
      comparisons: listComparisons(
        workspace.db,
        payload.datasetId !== undefined ? { datasetId: payload.datasetId } : {},
      ),
      trainingMethods: listModels(workspace.db)
        .map((m) => ({ modelId: m.id, methods: trainingMethodsOf(m) }))
        .filter((m) => m.methods.length > 0),
    }),
  };
}
