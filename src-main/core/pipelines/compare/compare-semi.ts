import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { utcNow } from '../../util/ids.js';
import { badInput } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { parseSemi } from '../../train/semi-supervised.js';
import { trainModel } from '../train/train-model.js';

export interface CompareSemiOptions {
  datasetId: string;
  arch: string;
  method: string;
  fractions: number[];
  epochs: number;
  seed: number;
}

export interface SemiRow {
  fraction: number;
  supervised: { modelId: string; macroF1: number; accuracy: number; labeledSamples: number };
  semiSupervised: { modelId: string; macroF1: number; accuracy: number; labeledSamples: number };
  /** Validation macro-F1 of the semi-supervised model minus the supervised one's. */
  gain: number;
}

/**
 * The gain of a semi-supervised method over supervised training with the same few labels: for each fraction of
 * labels, one model trained on the labelled samples alone and one trained on all samples with the method, same
 * seed, same epochs; validation on the held-out records with all their labels. Every model is stored and
 * audited; the comparison itself is an audit event too.
 */
export async function compareSemiSupervised(
  workspace: Workspace,
  options: CompareSemiOptions,
  context: JobContext,
): Promise<{ comparisonId: string; method: string; rows: SemiRow[] }> {
  parseSemi(options.method);
  if (options.fractions.length === 0 || options.fractions.some((f) => !(f > 0 && f <= 1)))
    throw badInput('--fractions takes label fractions above 0 and at most 1, e.g. 0.1,0.25,0.5');
  const rows: SemiRow[] = [];
  const total = 2 * options.fractions.length;
  let done = 0;
  for (const fraction of options.fractions) {
    const run = async (semi: boolean) => {
      const part = done++;
      const result = await trainModel(
        workspace,
        {
          datasetId: options.datasetId,
          arch: options.arch,
          epochs: options.epochs,
          seed: options.seed,
          patience: options.epochs,
          labeledFraction: fraction,
          ...(semi ? { semi: options.method } : {}),
          name: `${options.arch}, ${Math.round(fraction * 100)}% of labels${semi ? `, ${options.method}` : ''}`,
        },
        {
          ...context,
          progress: (f, m) =>
            context.progress((part + f) / total, `${Math.round(fraction * 100)}% labels: ${m}`),
        },
      );
      return {
        modelId: result.modelId,
        macroF1: result.validation.macroF1,
        accuracy: result.validation.accuracy,
        labeledSamples: result.labeledSamples,
      };
    };
    const supervised = await run(false);
    const semiSupervised = await run(true);
    rows.push({ fraction, supervised, semiSupervised, gain: semiSupervised.macroF1 - supervised.macroF1 });
  }
  const comparisonId = newComparisonId();
  workspace.db.transaction(() => {
    insertComparison(workspace.db, {
      id: comparisonId,
      kind: 'semi-supervised',
      datasetId: options.datasetId,
      params: { ...options },
      result: { method: options.method, rows },
      backend: engineInfo().backend,
      createdAt: utcNow(),
      models: rows.flatMap((r) => {
        const labels = `${Math.round(r.fraction * 100)}% of labels`;
        return [
          { modelId: r.supervised.modelId, role: `supervised, ${labels}` },
          { modelId: r.semiSupervised.modelId, role: `${options.method}, ${labels}` },
        ];
      }),
    });
    appendAuditEvent(workspace.db, {
      action: 'train.semi_compare',
      entityType: 'dataset',
      entityId: options.datasetId,
      payload: { params: { ...options }, comparisonId, result: { rows: rows.map((r) => ({ ...r })) } },
    });
  })();
  return { comparisonId, method: options.method, rows };
}
