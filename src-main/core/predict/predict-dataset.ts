import type { Workspace } from '../store/workspace.js';
import { badInput } from '../errors.js';
import { loadDataset } from '../data/dataset-kinds.js';
import { groupsOf, labelsOf, sampleIndices, type SplitName } from '../data/sample-dataset.js';
import { datasetForModel } from '../models/image-contract.js';
import { argMaxRows, predictProbabilities } from '../validate/predict.js';
import { loadStoredModel } from './load-stored-model.js';
import { writeOutputFile } from './write-output-file.js';

export interface PredictDatasetResult {
  modelId: string;
  datasetId: string;
  split: SplitName;
  out: string;
  samples: number;
  columns: string[];
  /** Share of samples whose predicted class is their true class, for checking the CSV against. */
  accuracy: number;
}

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One CSV row per sample of a dataset split: its index in the dataset, its record (or patient), its true and
 * predicted class and the probability of every class, so that an auditor can recompute every metric with
 * other tools. The model and dataset must agree on the input contract.
 */
export async function predictDataset(
  workspace: Workspace,
  options: { modelId: string; datasetId: string; split: SplitName; out: string },
): Promise<PredictDatasetResult> {
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
    const predicted = argMaxRows(probabilities, classes);
    const labels = labelsOf(dataset, indices);
    const groups = groupsOf(dataset, indices);
    const groupColumn =
      typeof dataset.modelMeta['groupKind'] === 'string' ? dataset.modelMeta['groupKind'] : 'record';
    const columns = [
      'index',
      groupColumn,
      'true_class',
      'predicted_class',
      ...dataset.classes.map((name) => `p_${name}`),
    ];
    const lines = [columns.map(csvField).join(',')];
    let correct = 0;
    indices.forEach((sample, k) => {
      const truth = labels[k] as number;
      const guess = predicted[k] as number;
      if (truth === guess) correct++;
      const row = [
        String(sample),
        dataset.groups[groups[k] as number] ?? '',
        dataset.classes[truth] ?? String(truth),
        dataset.classes[guess] ?? String(guess),
        ...Array.from(probabilities.subarray(k * classes, (k + 1) * classes), (p) => String(p)),
      ];
      lines.push(row.map(csvField).join(','));
    });
    const out = writeOutputFile(options.out, `${lines.join('\n')}\n`);
    return {
      modelId: row.id,
      datasetId: dataset.id,
      split: options.split,
      out,
      samples: indices.length,
      columns,
      accuracy: correct / indices.length,
    };
  } finally {
    model.dispose();
  }
}
