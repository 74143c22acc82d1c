import type { Workspace } from '../store/workspace.js';
import { badInput } from '../errors.js';
import type { SplitName } from '../data/sample-dataset.js';
import { predictSplit } from './predict-split.js';

export interface ModelError {
  /** The sample's index in the dataset (what `datasets.samples` and the thumbnails take). */
  index: number;
  /** Its record, patient or image group. */
  group: string;
  label: string;
  predicted: string;
  /** The probability the model gave its (wrong) answer. */
  confidence: number;
  /** The probability it gave the true class. */
  trueProbability: number;
}

export interface ModelErrors {
  modelId: string;
  datasetId: string;
  split: SplitName;
  classes: string[];
  /** Samples in the split, and how many of them the model gets wrong (before the filters). */
  samples: number;
  wrong: number;
  /** Wrong answers by true class, then predicted class: the off-diagonal of the confusion matrix. */
  counts: Record<string, Record<string, number>>;
  /** The wrong answers that pass the filters, most confident first (the most misleading errors on top). */
  errors: ModelError[];
  /** How many passed the filters before the limit. */
  matching: number;
}

/**
 * The error browser's list: every sample of a split the model misclassifies, filtered by true and predicted
 * class, sorted by the confidence of the wrong answer. Confident mistakes are the ones a reviewer must see first.
 */
export async function modelErrors(
  workspace: Workspace,
  options: {
    modelId: string;
    datasetId: string;
    split?: SplitName;
    trueClass?: string;
    predictedClass?: string;
    limit?: number;
  },
): Promise<ModelErrors> {
  const split = options.split ?? 'test';
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
    throw badInput(`the limit must be a whole number from 1 to 10,000, got ${limit}`);
  const p = await predictSplit(workspace, { modelId: options.modelId, datasetId: options.datasetId, split });
  const names = p.dataset.classes;
  for (const [flag, value] of [
    ['true class', options.trueClass],
    ['predicted class', options.predictedClass],
  ] as const)
    if (value !== undefined && !names.includes(value))
      throw badInput(
        `the ${flag} "${value}" is not a class of dataset ${p.dataset.id} (${names.join(', ')})`,
      );
  const counts: ModelErrors['counts'] = {};
  const all: ModelError[] = [];
  p.indices.forEach((sample, k) => {
    const truth = p.labels[k] as number;
    const guess = p.predicted[k] as number;
    if (truth === guess) return;
    const label = names[truth] ?? String(truth);
    const predicted = names[guess] ?? String(guess);
    const row = (counts[label] ??= {});
    row[predicted] = (row[predicted] ?? 0) + 1;
    all.push({
      index: sample,
      group: p.dataset.groups[p.groups[k] as number] ?? '',
      label,
      predicted,
      confidence: p.probabilities[k * p.classes + guess] as number,
      trueProbability: p.probabilities[k * p.classes + truth] as number,
    });
  });
  const matching = all
    .filter((e) => options.trueClass === undefined || e.label === options.trueClass)
    .filter((e) => options.predictedClass === undefined || e.predicted === options.predictedClass)
    .sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return {
    modelId: p.row.id,
    datasetId: p.dataset.id,
    split,
    classes: [...names],
    samples: p.indices.length,
    wrong: all.length,
    counts,
    errors: matching.slice(0, limit),
    matching: matching.length,
  };
}
