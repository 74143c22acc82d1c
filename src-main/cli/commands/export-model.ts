import type { Command } from '../command.js';
import type { ExportWeights } from '../../core/compress/export-tfjs.js';
import { exportStoredModel } from '../../core/pipelines/export/export-stored-model.js';
import { initEngine } from '../../core/engine/backend.js';
import { exportStoredModelOnnx } from '../../core/models/onnx/export-stored-onnx.js';
import { badInput } from '../../core/errors.js';

const WEIGHTS: readonly ExportWeights[] = ['stored', 'float32', 'float16', 'uint8'];
const FORMATS = ['tfjs', 'onnx'] as const;

export const exportModelCommand: Command = {
  path: ['export-model'],
  usage:
    'export-model --model ID --out DIR|FILE.zip|FILE.onnx [--format tfjs|onnx] [--weights stored|float32|float16|uint8] [--int8 dequantize|qdq] [--json]',
  summary:
    'Export a model in the TF.js layers format (model.json + weight shards; int8 kernels as uint8, float16 as float16) or as ONNX (float32, checked in ONNX Runtime)',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const outPath = options.requiredString('out');
    const format = options.string('format') ?? 'tfjs';
    const weights = options.string('weights');
    const int8 = options.string('int8');
    options.rejectUnknown();
    if (!(FORMATS as readonly string[]).includes(format))
      throw badInput(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    if (format === 'onnx') {
      if (weights !== undefined)
        throw badInput(
          '--weights applies to --format tfjs; for ONNX, --int8 dequantize|qdq says how int8 kernels go',
        );
      if (int8 !== undefined && int8 !== 'dequantize' && int8 !== 'qdq')
        throw badInput(`--int8 must be dequantize or qdq, got "${int8}"`);
      await initEngine();
      const result = await exportStoredModelOnnx(context.workspace(), modelId, outPath, {
        int8: int8 === 'qdq' ? 'qdq' : 'dequantize',
      });
      out.result(
        result,
        () =>
          `model ${modelId} exported to ${result.path} (ONNX opset ${result.opset}, ${result.bytes} bytes, input [batch, ${result.inputShape.join(', ')}]); ` +
          `${result.qdqKernels > 0 ? `${result.qdqKernels} int8 kernels kept as int8 (QDQ: DequantizeLinear with per-channel scales); ` : ''}` +
          `${result.dequantized.length > 0 ? `${result.dequantized.join(' and ')} weights dequantized to float32` : 'no weights dequantized'}; ` +
          `largest difference from TF.js in ONNX Runtime (${result.provider}) ${result.maxAbsDifference.toExponential(2)}`,
      );
      return;
    }
    if (int8 !== undefined) throw badInput('--int8 applies to --format onnx');
    const tfjsWeights = weights ?? 'stored';
    if (!(WEIGHTS as readonly string[]).includes(tfjsWeights))
      throw badInput(`--weights must be one of ${WEIGHTS.join(', ')}, got "${tfjsWeights}"`);
    const workspace = context.workspace();
    const result = exportStoredModel(workspace, modelId, outPath, tfjsWeights as ExportWeights);
    out.result(
      result,
      () =>
        `model ${modelId} exported to ${result.zip?.path ?? result.dir}: ${result.files.map((f) => `${f.name} (${f.bytes} bytes)`).join(', ')}; ` +
        `largest weight difference from the stored model ${result.maxWeightDifference.toExponential(2)}`,
    );
  },
};
