import type { Command } from '../command.js';
import type { ExportWeights } from '../../core/compress/export-tfjs.js';
import { exportStoredModel } from '../../core/compress/export-stored-model.js';
import { badInput } from '../../core/errors.js';

const WEIGHTS: readonly ExportWeights[] = ['stored', 'float32', 'float16', 'uint8'];

export const exportModelCommand: Command = {
  path: ['export-model'],
  usage: 'export-model --model ID --out DIR|FILE.zip [--weights stored|float32|float16|uint8] [--json]',
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
    const result = exportStoredModel(workspace, modelId, outDir, weights as ExportWeights);
    out.result(
      result,
      () =>
        `model ${modelId} exported to ${result.zip?.path ?? result.dir}: ${result.files.map((f) => `${f.name} (${f.bytes} bytes)`).join(', ')}; ` +
        `largest weight difference from the stored model ${result.maxWeightDifference.toExponential(2)}`,
    );
  },
};
