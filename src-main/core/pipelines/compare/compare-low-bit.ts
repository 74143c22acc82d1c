import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { utcNow } from '../../util/ids.js';
import type { JobContext } from '../../jobs/job-context.js';
import { compressModel } from '../compress/compress-model.js';
import { validateModel } from '../validate/validate-model.js';
import { trainModel } from '../train/train-model.js';

export interface LowBitRow {
  method: 'float' | 'qat' | 'fully-quantized';
  modelId: string;
  description: string;
  accuracy: number;
  macroF1: number;
}

/**
 * Fully quantized training against quantization-aware training, on the same data and seed: a float baseline,
 * its quantization-aware fine-tuned int8 child (compress qat:int8), and a network trained from scratch with
 * 8-bit weights, activations and gradients (ecg-resnet-q8, --low-bit 8); each scored on the test split.
 */
export async function compareLowBit(
  workspace: Workspace,
  options: { datasetId: string; epochs: number; seed: number },
  context: JobContext,
): Promise<{ comparisonId: string; rows: LowBitRow[] }> {
  const stage = (k: number) => ({
    ...context,
    progress: (f: number, m: string) => context.progress((k + f) / 4, m),
  });
  const base = {
    datasetId: options.datasetId,
    epochs: options.epochs,
    seed: options.seed,
    patience: options.epochs,
  };
  const float = await trainModel(workspace, { ...base, arch: 'ecg-resnet' }, stage(0));
  const qat = await compressModel(
    workspace,
    { modelId: float.modelId, recipe: 'qat:int8', seed: options.seed },
    stage(1),
  );
  const fqt = await trainModel(workspace, { ...base, arch: 'ecg-resnet-q8', lowBit: 8 }, stage(2));
  const entries = [
    { method: 'float' as const, modelId: float.modelId, description: 'float32 training' },
    {
      method: 'qat' as const,
      modelId: qat.modelId,
      description: 'float training, then quantization-aware fine-tuning to int8',
    },
    {
      method: 'fully-quantized' as const,
      modelId: fqt.modelId,
      description: '8-bit weights, activations and gradients from the start',
    },
  ];
  const rows: LowBitRow[] = [];
  for (const entry of entries) {
    const validated = (await validateModel(
      workspace,
      { modelId: entry.modelId, datasetId: options.datasetId, split: 'test', suites: ['clean'] },
      stage(3),
    )) as unknown as { clean: { accuracy: number; macroF1: number } };
    rows.push({ ...entry, accuracy: validated.clean.accuracy, macroF1: validated.clean.macroF1 });
  }
  const comparisonId = newComparisonId();
  workspace.db.transaction(() => {
    insertComparison(workspace.db, {
      id: comparisonId,
      kind: 'low-bit',
      datasetId: options.datasetId,
      params: { ...options },
      result: { rows },
      backend: engineInfo().backend,
      createdAt: utcNow(),
      models: rows.map((r) => ({ modelId: r.modelId, role: r.method })),
    });
    appendAuditEvent(workspace.db, {
      action: 'train.low_bit_compare',
      entityType: 'dataset',
      entityId: options.datasetId,
      payload: { params: { ...options }, comparisonId, result: { rows: rows.map((r) => ({ ...r })) } },
    });
  })();
  return { comparisonId, rows };
}
