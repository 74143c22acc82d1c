import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { utcNow } from '../../util/ids.js';
import { badInput } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { parseLrPolicy } from '../../train/lr-policy.js';
import { trainModel } from '../train/train-model.js';

export interface CompareLrPoliciesOptions {
  datasetId: string;
  arch: string;
  policies: string[];
  epochs: number;
  seeds: number[];
  learningRate?: number;
  batchSize?: number;
}

export interface LrPolicyRow {
  policy: string;
  runs: {
    seed: number;
    modelId: string;
    accuracy: number;
    macroF1: number;
    seconds: number;
    epochsRun: number;
  }[];
  meanAccuracy: number;
  meanMacroF1: number;
  /** Standard deviation of the validation macro-F1 across seeds (0 with one seed). */
  sdMacroF1: number;
  /** Mean absolute change of the validation macro-F1 from one epoch to the next: how jumpy training is. */
  epochJitter: number;
  meanSeconds: number;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const sd = (values: number[]) => {
  const m = mean(values);
  return values.length < 2
    ? 0
    : Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
};

/**
 * Trains the same architecture on the same data once per policy and seed (every model stored and audited like
 * any other) and sets the policies side by side: validation accuracy and macro-F1 (the best epoch, as training
 * keeps it), their spread across seeds, the epoch-to-epoch jitter, and the time each took. Early stopping is off
 * so that every policy runs its whole schedule.
 */
export async function compareLrPolicies(
  workspace: Workspace,
  options: CompareLrPoliciesOptions,
  context: JobContext,
): Promise<{ comparisonId: string; rows: LrPolicyRow[] }> {
  if (options.policies.length === 0) throw badInput('--policies needs at least one policy');
  if (options.seeds.length === 0 || options.seeds.length > 10) throw badInput('--seeds takes 1 to 10 seeds');
  for (const policy of options.policies) parseLrPolicy(policy);
  const rows: LrPolicyRow[] = [];
  const total = options.policies.length * options.seeds.length;
  let done = 0;
  for (const policy of options.policies) {
    const runs: LrPolicyRow['runs'] = [];
    const jitters: number[] = [];
    for (const seed of options.seeds) {
      const part = done;
      const result = await trainModel(
        workspace,
        {
          datasetId: options.datasetId,
          arch: options.arch,
          epochs: options.epochs,
          seed,
          patience: options.epochs,
          lrPolicy: policy,
          name: `${options.arch}, learning rate ${policy}, seed ${seed}`,
          ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        },
        {
          ...context,
          progress: (f, m) => context.progress((part + f) / total, `${policy} seed ${seed}: ${m}`),
        },
      );
      done++;
      const f1s = result.history.map((h) => h.valMacroF1);
      jitters.push(mean(f1s.slice(1).map((v, k) => Math.abs(v - (f1s[k] as number)))));
      runs.push({
        seed,
        modelId: result.modelId,
        accuracy: result.validation.accuracy,
        macroF1: result.validation.macroF1,
        seconds: result.seconds,
        epochsRun: result.epochsRun,
      });
    }
    rows.push({
      policy,
      runs,
      meanAccuracy: mean(runs.map((r) => r.accuracy)),
      meanMacroF1: mean(runs.map((r) => r.macroF1)),
      sdMacroF1: sd(runs.map((r) => r.macroF1)),
      epochJitter: mean(jitters),
      meanSeconds: mean(runs.map((r) => r.seconds)),
    });
  }
  const comparisonId = newComparisonId();
  workspace.db.transaction(() => {
    insertComparison(workspace.db, {
      id: comparisonId,
      kind: 'lr-policies',
      datasetId: options.datasetId,
      params: { ...options },
      result: { rows },
      backend: engineInfo().backend,
      createdAt: utcNow(),
      models: rows.flatMap((r) => r.runs.map((run) => ({ modelId: run.modelId, role: r.policy }))),
    });
    appendAuditEvent(workspace.db, {
      action: 'train.lr_compare',
      entityType: 'dataset',
      entityId: options.datasetId,
      payload: {
        params: { ...options },
        comparisonId,
        result: {
          policies: rows.map((r) => ({
            policy: r.policy,
            models: r.runs.map((x) => x.modelId),
            meanMacroF1: r.meanMacroF1,
            sdMacroF1: r.sdMacroF1,
            meanSeconds: r.meanSeconds,
          })),
        },
      },
    });
  })();
  return { comparisonId, rows };
}
