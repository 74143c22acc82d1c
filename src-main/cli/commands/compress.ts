import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { compressModel } from '../../core/compress/compress-model.js';
import { cliJobContext } from './job-context.js';

export const compressCommand: Command = {
  path: ['compress'],
  usage: 'compress --model ID --recipe prune:0.8[,quant:int8] [--fine-tune-epochs 2] [--seed S] [--json]',
  summary: 'Derive a compressed child model: magnitude pruning with fine-tuning, per-channel int8 weights',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const recipe = options.requiredString('recipe');
    const fineTuneEpochs = options.number('fine-tune-epochs', { min: 0, max: 100, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    const name = options.string('name');
    options.rejectUnknown();
    await initEngine();
    const result = await compressModel(
      context.workspace(),
      {
        modelId,
        recipe,
        ...(fineTuneEpochs !== undefined ? { fineTuneEpochs } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(name !== undefined ? { name } : {}),
      },
      cliJobContext(context),
    );
    out.result(
      result,
      () =>
        `model ${result.modelId} (parent ${result.parentId}, ${result.recipe}): ${result.sizeBytes} bytes on disk (parent ${result.parentSizeBytes}), ` +
        `${result.nonzeroParams}/${result.params} nonzero parameters (sparsity ${(result.sparsity * 100).toFixed(1)}%)`,
    );
  },
};
