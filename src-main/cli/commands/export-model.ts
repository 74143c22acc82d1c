import type { Command } from '../command.js';
import { getModel } from '../../core/store/models.js';
import { exportTfjsLayers, type ExportWeights } from '../../core/compress/export-tfjs.js';
import { badInput } from '../../core/errors.js';

const WEIGHTS: readonly ExportWeights[] = ['stored', 'float32', 'float16', 'uint8'];

export const exportModelCommand: Command = {
  path: ['export-model'],
  usage: 'export-model --model ID --out DIR [--weights stored|float32|float16|uint8] [--json]',
  summary:
    'Export a model in the TF.js layers format (model.json + weight shards; int8 kernels as uint8, float16 as float16)',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const outDir = options.requiredString('out');
    const weights = options.string('weights') ?? 'stored';
    options.rejectUnknown();
    if (!(WEIGHTS as readonly string[]).includes(weights))
      throw badInput(`--weights must be one of ${WEIGHTS.join(', ')}, got "${weights}"`);
    const workspace = context.workspace();
    const row = getModel(workspace.db, modelId);
    const bytes = workspace.artifacts.get(row.artifactSha256);
    const result = exportTfjsLayers(bytes, outDir, {
      weights: weights as ExportWeights,
      generatedBy: 'Attest',
      meta: {
        modelId: row.id,
        name: row.name,
        recipe: row.recipe,
        parentId: row.parentId,
        artifactSha256: row.artifactSha256,
      },
    });
    out.result(
      { modelId, ...result },
      () =>
        `model ${modelId} exported to ${result.dir}: ${result.files.map((f) => `${f.name} (${f.bytes} bytes)`).join(', ')}; ` +
        `largest weight difference from the stored model ${result.maxWeightDifference.toExponential(2)}`,
    );
  },
};
