import type { Command } from '../command.js';
import { idList } from './id-list.js';
import { initEngine } from '../../core/engine/backend.js';
import { parseSplitName } from '../../core/data/sample-dataset.js';
import { measureActivationSparsity } from '../../core/pipelines/compress/stored-activation-sparsity.js';

export const modelsSparsityCommand: Command = {
  path: ['models', 'sparsity'],
  usage: 'models sparsity --model ID[,ID...] --dataset ID [--split test] [--samples 512] [--json]',
  summary:
    'Activation sparsity: the fraction of zero activations per layer and the multiply-accumulates a zero-skipping kernel would save, models side by side',
  async run(context) {
    const { options, out } = context;
    const modelIds = idList(options.requiredString('model'));
    const datasetId = options.requiredString('dataset');
    const split = parseSplitName(options.string('split') ?? 'test');
    const samples = options.number('samples', { min: 1, max: 100000, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await measureActivationSparsity(context.workspace(), {
      modelIds,
      datasetId,
      split,
      ...(samples !== undefined ? { samples } : {}),
    });
    out.result(result, () =>
      result.models
        .map(
          (m) =>
            `${m.modelId}: ${(100 * m.overallZeroFraction).toFixed(1)}% of activations are zero; ${(m.effectiveMacs / 1e6).toFixed(2)}M of ${(m.denseMacs / 1e6).toFixed(2)}M multiply-accumulates touch a nonzero input; latency ${m.latencyMs !== null ? `${m.latencyMs.toFixed(2)} ms` : 'not measured on this backend (attest models measure)'}`,
        )
        .join('\n'),
    );
  },
};
