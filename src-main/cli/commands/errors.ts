import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { parseSplitName } from '../../core/data/sample-dataset.js';
import { modelErrors } from '../../core/predict/model-errors.js';

export const errorsCommand: Command = {
  path: ['errors'],
  usage:
    'errors --model ID --dataset ID [--split test] [--true CLASS] [--predicted CLASS] [--limit 100] [--json]',
  summary:
    'The samples a model gets wrong on a dataset split, most confident mistakes first, filtered by true and predicted class',
  readOnly: true,
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const datasetId = options.requiredString('dataset');
    const split = parseSplitName(options.string('split') ?? 'test');
    const trueClass = options.string('true');
    const predictedClass = options.string('predicted');
    const limit = options.number('limit', { min: 1, max: 10000, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await modelErrors(context.workspace(), {
      modelId,
      datasetId,
      split,
      ...(trueClass !== undefined ? { trueClass } : {}),
      ...(predictedClass !== undefined ? { predictedClass } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    out.result(result, () =>
      [
        `${result.wrong} of ${result.samples} samples wrong on the ${result.split} split; ${result.matching} match the filters:`,
        ...result.errors.map(
          (e) =>
            `  #${e.index} (${e.group}): truly ${e.label}, answered ${e.predicted} at ${(e.confidence * 100).toFixed(1)} % (${e.label} ${(e.trueProbability * 100).toFixed(1)} %)`,
        ),
      ].join('\n'),
    );
  },
};
