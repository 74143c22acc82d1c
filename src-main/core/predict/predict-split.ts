import type { Workspace } from '../store/workspace.js';
import type { ModelRow } from '../store/models.js';
import { badInput } from '../errors.js';
import { loadDataset } from '../data/dataset-kinds.js';
import {
  groupsOf,
  labelsOf,
  sampleIndices,
  type SampleDataset,
  type SplitName,
} from '../data/sample-dataset.js';
import { datasetForModel } from '../models/image-contract.js';
import { argMaxRows, predictProbabilities } from './predict.js';
import { loadStoredModel } from './load-stored-model.js';

/** A stored model's answers on one split of a dataset: the samples, their truth and every class's probability. */
export interface SplitPredictions {
  row: ModelRow;
  dataset: SampleDataset;
  indices: number[];
  /** Row-major samples x classes. */
  probabilities: Float32Array;
  classes: number;
  predicted: Int32Array;
  labels: Int32Array;
  groups: Int32Array;
}

/** Runs the model on the split (the model and dataset must agree on the input contract) and frees it again. */
export async function predictSplit(
  workspace: Workspace,
  options: { modelId: string; datasetId: string; split: SplitName },
): Promise<SplitPredictions> {
  const { row, model } = await loadStoredModel(workspace, options.modelId);
  try {
    // The contract is checked (both sides named); an imported image model sees the pixels under its normalization.
    const { dataset } = datasetForModel(workspace, row, loadDataset(workspace, options.datasetId));
    const indices = sampleIndices(dataset, options.split);
    if (indices.length === 0)
      throw badInput(`dataset ${dataset.id} has no sample in its ${options.split} split`);
    const { probabilities, classes } = predictProbabilities(
      model,
      dataset.inputs(indices),
      dataset.sampleShape,
    );
    return {
      row,
      dataset,
      indices: [...indices],
      probabilities,
      classes,
      predicted: argMaxRows(probabilities, classes),
      labels: labelsOf(dataset, indices),
      groups: groupsOf(dataset, indices),
    };
  } finally {
    model.dispose();
  }
}
