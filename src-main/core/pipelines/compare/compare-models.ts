import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { validationsOfModel } from '../../store/validations.js';
import { checkInputContract } from '../../models/input-contract.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { labelsOf, sampleIndices, type SplitName } from '../../data/sample-dataset.js';
import { badInput } from '../../errors.js';
import { classificationMetrics } from '../../metrics/metrics.js';
import { decide, decisionRule } from '../../validate/operating-threshold.js';
import { predictProbabilities } from '../../predict/predict.js';
import { pairedComparison } from '../../validate/findings.js';
import { mcnemarExact } from '../../validate/significance.js';
import { clopperPearson } from '../../validate/exact-intervals.js';
import { decodeStoredModel } from '../../predict/load-stored-model.js';

export interface ModelComparisonOptions {
  datasetId: string;
  /** Two or more models; the first is the reference the others are compared with. */
  modelIds: string[];
  split: SplitName;
}

export interface ComparedModel {
  id: string;
  name: string;
  accuracy: number;
  /** Clopper-Pearson over the samples: samples of one patient are not independent, so it is a lower bound. */
  accuracyInterval: [number, number] | null;
  macroF1: number;
  perClass: { label: string; support: number; sensitivity: number | null; f1: number | null }[];
  /** Against the reference (null for the reference itself): differences in points and the samples that flipped. */
  vsReference: {
    accuracyPoints: number;
    macroF1Points: number;
    /** Right under the reference, wrong under this model. */
    lost: number;
    /** Wrong under the reference, right under this model. */
    gained: number;
    /** McNemar's exact two-sided p-value of lost against gained. */
    pValue: number;
    perClass: Record<string, { lost: number; gained: number }>;
  } | null;
  /** The latest stored validation of this model on the same dataset and split, with its policy verdict if any. */
  validation: { id: string; createdAt: string; verdict: string | null } | null;
}

export interface ModelComparison {
  datasetId: string;
  split: string;
  n: number;
  classes: string[];
  models: ComparedModel[];
}

function latestValidation(workspace: Workspace, modelId: string, datasetId: string, split: string) {
  const rows = validationsOfModel(workspace.db, modelId).filter(
    (v) => v.datasetId === datasetId && v.split === split,
  );
  const row = rows.at(-1);
  if (row === undefined) return null;
  const policy = row.result['policy'] as { verdict?: unknown; pass?: unknown } | undefined;
  const verdict =
    policy === undefined
      ? null
      : typeof policy.verdict === 'string'
        ? policy.verdict
        : policy.pass === true
          ? 'PASS'
          : 'FAIL';
  return { id: row.id, createdAt: row.createdAt, verdict };
}

/**
 * Models side by side on the same samples of one dataset: each one's clean metrics (argmax decisions), and for
 * every model after the first, its differences from the first and the samples that changed answer (McNemar's
 * exact test on them). Nothing is stored: it reads the models and the dataset, as a report would.
 */
export async function compareModels(
  workspace: Workspace,
  options: ModelComparisonOptions,
): Promise<ModelComparison> {
  const ids = [...new Set(options.modelIds)];
  if (ids.length < 2) throw badInput('choose at least two different models to compare');
  const rows = ids.map((id) => getModel(workspace.db, id));
  const dataset = loadDataset(workspace, options.datasetId);
  // Every model must take this dataset's samples as they are stored (both sides named if not).
  for (const row of rows) checkInputContract(row, dataset);
  const indices = sampleIndices(dataset, options.split);
  if (indices.length === 0)
    throw badInput(`dataset ${dataset.id} has no sample in its ${options.split} split`);
  const labels = labelsOf(dataset, indices);
  const inputs = dataset.inputs(indices);
  const rule = decisionRule(dataset.classes, undefined, undefined);
  const decisions: Int32Array[] = [];
  for (const row of rows) {
    const model = await decodeStoredModel(workspace, row);
    try {
      const { probabilities, classes } = predictProbabilities(model, inputs, dataset.sampleShape);
      decisions.push(decide(probabilities, classes, rule));
    } finally {
      model.dispose();
    }
  }
  const metrics = decisions.map((d) => classificationMetrics(labels, d, dataset.classes));
  const reference = metrics[0];
  const referenceDecisions = decisions[0];
  if (reference === undefined || referenceDecisions === undefined) throw badInput('no model to compare');
  return {
    datasetId: dataset.id,
    split: options.split,
    n: indices.length,
    classes: dataset.classes,
    models: rows.map((row, k) => {
      const m = metrics[k] as (typeof metrics)[number];
      const correct = Math.round(m.accuracy * m.n);
      const paired =
        k === 0
          ? null
          : pairedComparison(labels, decisions[k] as Int32Array, referenceDecisions, dataset.classes);
      return {
        id: row.id,
        name: row.name,
        accuracy: m.accuracy,
        accuracyInterval: clopperPearson(correct, m.n),
        macroF1: m.macroF1,
        perClass: m.perClass.map((c) => ({
          label: c.label,
          support: c.support,
          sensitivity: c.sensitivity,
          f1: c.f1,
        })),
        vsReference:
          paired === null
            ? null
            : {
                accuracyPoints: (m.accuracy - reference.accuracy) * 100,
                macroF1Points: (m.macroF1 - reference.macroF1) * 100,
                lost: paired.lost,
                gained: paired.gained,
                pValue: mcnemarExact(paired.lost, paired.gained).pValue,
                perClass: paired.perClass,
              },
        validation: latestValidation(workspace, row.id, dataset.id, options.split),
      };
    }),
  };
}
