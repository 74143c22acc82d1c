import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { getDataset } from '../../store/datasets.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { getMeasurement } from '../../store/model-measurements.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { utcNow } from '../../util/ids.js';
import { badInput } from '../../errors.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { spreadSampleIndices, type SplitName } from '../../data/sample-dataset.js';
import { activationSparsity, type ActivationSparsity } from '../../models/activation-sparsity.js';
import { decodeStoredModel } from '../../predict/load-stored-model.js';

/** A model's figures, with its measured latency on the active backend when it was measured there. */
export type StoredModelSparsity = ActivationSparsity & {
  modelId: string;
  latencyMs: number | null;
  batchedMsPerSample: number | null;
};

/**
 * Activation sparsity of stored models on (at most `samples` of) one split of a dataset, each model beside the
 * others (e.g. a winners-take-all model beside its plain baseline), with each model's latency as last measured
 * on the active backend (`attest models measure`), stored as a comparison and recorded in the audit trail.
 */
export async function measureActivationSparsity(
  workspace: Workspace,
  options: { modelIds: string[]; datasetId: string; split: SplitName; samples?: number },
  context?: JobContext,
): Promise<{ comparisonId: string; datasetId: string; split: SplitName; models: StoredModelSparsity[] }> {
  const samples = options.samples ?? 512;
  if (!Number.isInteger(samples) || samples < 1 || samples > 100_000)
    throw badInput(`--samples must be an integer from 1 to 100000, got ${samples}`);
  const datasetRow = getDataset(workspace.db, options.datasetId);
  const dataset = loadDataset(workspace, options.datasetId);
  const chosen = spreadSampleIndices(dataset, options.split, samples);
  const inputs = dataset.inputs(chosen);
  const backend = engineInfo().backend;
  const models: StoredModelSparsity[] = [];
  for (const [index, modelId] of options.modelIds.entries()) {
    if (context !== undefined) {
      throwIfCancelled(context.signal);
      context.progress(index / options.modelIds.length, `activations of ${modelId}`);
    }
    const row = getModel(workspace.db, modelId);
    const model = await decodeStoredModel(workspace, row);
    try {
      const measured = getMeasurement(workspace.db, modelId, backend);
      models.push({
        modelId,
        ...activationSparsity(model, inputs, dataset.sampleShape),
        latencyMs: measured?.latencyMs ?? null,
        batchedMsPerSample: measured?.batchedMsPerSample ?? null,
      });
    } finally {
      model.dispose();
    }
  }
  const comparisonId = newComparisonId();
  workspace.db.transaction(() => {
    insertComparison(workspace.db, {
      id: comparisonId,
      kind: 'activation-sparsity',
      datasetId: options.datasetId,
      params: { ...options, samples },
      result: { split: options.split, models },
      backend,
      createdAt: utcNow(),
      models: models.map((m) => ({ modelId: m.modelId, role: 'measured' })),
    });
    appendAuditEvent(workspace.db, {
      action: 'model.activation_sparsity',
      entityType: 'dataset',
      entityId: options.datasetId,
      payload: {
        params: { ...options, samples },
        comparisonId,
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
  return { comparisonId, datasetId: options.datasetId, split: options.split, models };
}
