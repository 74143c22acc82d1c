import type { Workspace } from '../store/workspace.js';
import { getModel } from '../store/models.js';
import { getDataset } from '../store/datasets.js';
import { appendAuditEvent } from '../audit/log.js';
import { badInput } from '../errors.js';
import { loadDataset } from '../data/dataset-kinds.js';
import { spreadSampleIndices, type SplitName } from '../data/sample-dataset.js';
import { decodeModelArtifact } from './artifact.js';
import { activationSparsity, type ActivationSparsity } from './activation-sparsity.js';

/**
 * Activation sparsity of stored models on (at most `samples` of) one split of a dataset, each model beside the
 * others (e.g. a winners-take-all model beside its plain baseline), recorded in the audit trail.
 */
export async function measureActivationSparsity(
  workspace: Workspace,
  options: { modelIds: string[]; datasetId: string; split: SplitName; samples?: number },
): Promise<{ datasetId: string; split: SplitName; models: (ActivationSparsity & { modelId: string })[] }> {
  const samples = options.samples ?? 512;
  if (!Number.isInteger(samples) || samples < 1 || samples > 100_000)
    throw badInput(`--samples must be an integer from 1 to 100000, got ${samples}`);
  const datasetRow = getDataset(workspace.db, options.datasetId);
  const dataset = loadDataset(workspace, options.datasetId);
  const chosen = spreadSampleIndices(dataset, options.split, samples);
  const inputs = dataset.inputs(chosen);
  const models: (ActivationSparsity & { modelId: string })[] = [];
  for (const modelId of options.modelIds) {
    const row = getModel(workspace.db, modelId);
    const { model } = await decodeModelArtifact(
      workspace.artifacts.get(row.artifactSha256),
      `model ${row.id}`,
    );
    try {
      models.push({ modelId, ...activationSparsity(model, inputs, dataset.sampleShape) });
    } finally {
      model.dispose();
    }
  }
  workspace.db.transaction(() => {
    appendAuditEvent(workspace.db, {
      action: 'model.activation_sparsity',
      entityType: 'dataset',
      entityId: options.datasetId,
      payload: {
        params: { ...options, samples },
        inputs: [{ role: 'dataset-bundle', sha256: datasetRow.dataSha256 }],
        result: {
          models: models.map((m) => ({
            modelId: m.modelId,
            overallZeroFraction: m.overallZeroFraction,
            effectiveMacs: m.effectiveMacs,
            denseMacs: m.denseMacs,
          })),
        },
      },
    });
  })();
  return { datasetId: options.datasetId, split: options.split, models };
}
