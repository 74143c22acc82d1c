import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { getDataset } from '../../store/datasets.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { utcNow } from '../../util/ids.js';
import { badInput } from '../../errors.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { tf } from '../../engine/tf.js';
import { createRng, deriveSeed, gaussian } from '../../engine/seed.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { spreadSampleIndices, type SplitName } from '../../data/sample-dataset.js';
import { integratedGradients } from '../../explain/integrated-gradients.js';
import { giniIndex, spearman, topKOverlap } from '../../explain/attribution-quality.js';
import { refuseRuntimeOnly } from '../../models/runtime-only.js';
import { decodeStoredModel } from '../../predict/load-stored-model.js';

export interface ExplanationFigures {
  modelId: string;
  samples: number;
  /** Mean Gini index of the absolute attributions (sparseness). */
  gini: number;
  /** Mean share of the top 10% attributions kept under the perturbation (stability). */
  topOverlap: number;
  /** Mean Spearman correlation of absolute attributions before and after the perturbation (stability). */
  rankCorrelation: number;
  /** Samples whose prediction the perturbation changed (left out of the stability figures). */
  flipped: number;
  /** Largest |sum of attributions - (p(x) - p(0))| seen: the integration error. */
  completenessError: number;
}

export interface ExplainOptions {
  modelIds: string[];
  datasetId: string;
  split: SplitName;
  samples?: number;
  steps?: number;
  /** Standard deviation of the Gaussian perturbation, in model-input units (inputs are standardized). */
  noise?: number;
  seed?: number;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/**
 * Integrated-Gradients attributions of stored models on the same samples, side by side (e.g. before and after
 * adversarial or stability training): how sparse they are and how much they move under a small Gaussian
 * perturbation of the input, for the class each model predicts. Recorded in the audit trail.
 */
export async function explainModels(
  workspace: Workspace,
  options: ExplainOptions,
  context?: JobContext,
): Promise<{ comparisonId: string; models: ExplanationFigures[] }> {
  const samples = options.samples ?? 100;
  const steps = options.steps ?? 32;
  const noise = options.noise ?? 0.05;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(samples) || samples < 1 || samples > 5000)
    throw badInput('--samples must be 1 to 5000');
  if (!Number.isInteger(steps) || steps < 4 || steps > 512) throw badInput('--steps must be 4 to 512');
  if (!(noise > 0 && noise <= 10)) throw badInput('--noise must be above 0 and at most 10');
  const datasetRow = getDataset(workspace.db, options.datasetId);
  const dataset = loadDataset(workspace, options.datasetId);
  const chosen = spreadSampleIndices(dataset, options.split, samples);
  const inputs = dataset.inputs(chosen);
  const size = dataset.sampleShape.reduce((a, b) => a * b, 1);
  const random = createRng(deriveSeed(seed, 'explain-noise'));
  const perturbed = Float32Array.from(inputs, (v) => v + noise * gaussian(random));
  const k = Math.max(1, Math.round(0.1 * size));
  const figures: ExplanationFigures[] = [];
  for (const [index, modelId] of options.modelIds.entries()) {
    if (context !== undefined) {
      throwIfCancelled(context.signal);
      context.progress(index / options.modelIds.length, `attributions of ${modelId}`);
    }
    const row = getModel(workspace.db, modelId);
    refuseRuntimeOnly(row, 'attributions (gradients)');
    const model = await decodeStoredModel(workspace, row);
    try {
      const predict = (x: Float32Array) =>
        tf.tidy(
          () =>
            tf
              .argMax(model.predict(tf.tensor(x, [chosen.length, ...dataset.sampleShape])) as tf.Tensor, -1)
              .dataSync() as Int32Array,
        );
      const targets = Int32Array.from(predict(inputs));
      const after = predict(perturbed);
      const clean = integratedGradients(model, inputs, dataset.sampleShape, targets, steps);
      const moved = integratedGradients(model, perturbed, dataset.sampleShape, targets, steps);
      const ginis: number[] = [];
      const overlaps: number[] = [];
      const correlations: number[] = [];
      let flipped = 0;
      for (let i = 0; i < chosen.length; i++) {
        const a = clean.attributions.subarray(i * size, (i + 1) * size);
        ginis.push(giniIndex(a));
        if (after[i] !== targets[i]) {
          flipped++;
          continue;
        }
        const b = moved.attributions.subarray(i * size, (i + 1) * size);
        overlaps.push(topKOverlap(a, b, k));
        correlations.push(spearman(a, b));
      }
      figures.push({
        modelId,
        samples: chosen.length,
        gini: mean(ginis),
        topOverlap: mean(overlaps),
        rankCorrelation: mean(correlations),
        flipped,
        completenessError: Math.max(clean.completenessError, moved.completenessError),
      });
    } finally {
      model.dispose();
    }
  }
  const comparisonId = newComparisonId();
  workspace.db.transaction(() => {
    insertComparison(workspace.db, {
      id: comparisonId,
      kind: 'attribution',
      datasetId: options.datasetId,
      params: { ...options, samples, steps, noise, seed },
      result: { models: figures },
      backend: engineInfo().backend,
      createdAt: utcNow(),
      models: figures.map((f) => ({ modelId: f.modelId, role: 'explained' })),
    });
    appendAuditEvent(workspace.db, {
      action: 'model.explanations',
      entityType: 'dataset',
      entityId: options.datasetId,
      payload: {
        params: { ...options, samples, steps, noise, seed },
        comparisonId,
        inputs: [{ role: 'dataset-bundle', sha256: datasetRow.dataSha256 }],
        result: { models: figures.map((f) => ({ ...f })) },
      },
    });
  })();
  return { comparisonId, models: figures };
}
