import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { compareLowBit } from '../../core/pipelines/compare/compare-low-bit.js';
import { cliJobContext } from './job-context.js';

export const lowBitCompareCommand: Command = {
  path: ['lowbit', 'compare'],
  usage: 'lowbit compare --dataset ID [--epochs 5] [--seed 1] [--json]',
  summary:
    'Fully quantized training (8-bit weights, activations and gradients) against quantization-aware training and the float baseline, scored on the test split',
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const epochs = options.number('epochs', { min: 1, max: 1000, integer: true }) ?? 5;
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    options.rejectUnknown();
    await initEngine();
    const result = await compareLowBit(
      context.workspace(),
      { datasetId, epochs, seed },
      cliJobContext(context),
    );
    out.result(result, () =>
      result.rows
        .map(
          (r) =>
            `${r.method.padEnd(16)} ${r.modelId}  accuracy ${r.accuracy.toFixed(4)}  macro-F1 ${r.macroF1.toFixed(4)}  (${r.description})`,
        )
        .join('\n'),
    );
  },
};
