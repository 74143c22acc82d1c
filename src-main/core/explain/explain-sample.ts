import type { Workspace } from '../store/workspace.js';
import { badInput } from '../errors.js';
import { loadDataset } from '../data/dataset-kinds.js';
import type { SampleDataset } from '../data/sample-dataset.js';
import { datasetForModel } from '../models/image-contract.js';
import { runtimeOnlySentence } from '../models/runtime-only.js';
import { argMaxRows, predictProbabilities } from '../predict/predict.js';
import { loadStoredModel } from '../predict/load-stored-model.js';
import { integratedGradients } from './integrated-gradients.js';

export interface SampleExplanation {
  index: number;
  group: string;
  label: string;
  predicted: string;
  /** Every class's probability, in the dataset's class order. */
  probabilities: { label: string; probability: number }[];
  sampleShape: number[];
  /** The sample as the model receives it (flattened). */
  values: number[];
  /** Integrated Gradients for the predicted class, one value per input value; null where there are no gradients. */
  attribution: number[] | null;
  /** How far the attributions' sum is from p(x) - p(baseline), as a share: the method's own check. */
  completenessError: number | null;
  /** Why there is no attribution (a model run by ONNX Runtime alone). */
  attributionNote?: string;
}

/**
 * "Try it" for one sample of a dataset: the model's answer with every class's probability, and which parts of
 * the sample drove that answer (Integrated Gradients, 32 steps, zero baseline), for the error browser.
 */
export async function explainSample(
  workspace: Workspace,
  options: { modelId: string; datasetId: string } & ({ index: number } | { group: string; position: number }),
): Promise<SampleExplanation> {
  const { row, model } = await loadStoredModel(workspace, options.modelId);
  try {
    const { dataset } = datasetForModel(workspace, row, loadDataset(workspace, options.datasetId));
    const index = 'index' in options ? options.index : indexInGroup(dataset, options.group, options.position);
    if (!Number.isInteger(index) || index < 0 || index >= dataset.count)
      throw badInput(`dataset ${dataset.id} has samples 0 to ${dataset.count - 1}, not ${index}`);
    const inputs = dataset.inputs([index]);
    const { probabilities, classes } = predictProbabilities(model, inputs, dataset.sampleShape);
    const guess = argMaxRows(probabilities, classes)[0] as number;
    const noGradients = runtimeOnlySentence(row);
    const ig =
      noGradients === undefined
        ? integratedGradients(model, inputs, dataset.sampleShape, Int32Array.of(guess))
        : undefined;
    const truth = dataset.labels[index] as number;
    return {
      index,
      group: dataset.groups[dataset.group[index] as number] ?? '',
      label: dataset.classes[truth] ?? String(truth),
      predicted: dataset.classes[guess] ?? String(guess),
      probabilities: dataset.classes.map((label, k) => ({ label, probability: probabilities[k] as number })),
      sampleShape: [...dataset.sampleShape],
      values: Array.from(inputs),
      attribution: ig !== undefined ? Array.from(ig.attributions) : null,
      completenessError: ig?.completenessError ?? null,
      ...(noGradients !== undefined
        ? { attributionNote: `${noGradients}: no gradients for an attribution` }
        : {}),
    };
  } finally {
    model.dispose();
  }
}

/**
 * The dataset index of a group's position-th sample (1 for its first), in the dataset's order: "beat 12 of
 * record 119", as a reviewer picks a beat from a record.
 */
export function indexInGroup(dataset: SampleDataset, group: string, position: number): number {
  const g = dataset.groups.indexOf(group);
  if (g < 0) throw badInput(`dataset ${dataset.id} has no record or group named "${group}"`);
  let seen = 0;
  for (let i = 0; i < dataset.count; i++) if (dataset.group[i] === g && ++seen === position) return i;
  throw badInput(`${group} has ${seen} samples in dataset ${dataset.id}, so there is no sample ${position}`);
}
