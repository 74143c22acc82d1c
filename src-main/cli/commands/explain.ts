import type { Command } from '../command.js';
import { idList } from './id-list.js';
import { initEngine } from '../../core/engine/backend.js';
import { parseSplitName } from '../../core/data/sample-dataset.js';
import { explainModels } from '../../core/pipelines/explain/explain-models.js';

export const explainCommand: Command = {
  path: ['explain'],
  usage:
    'explain --model ID[,ID...] --dataset ID [--split test] [--samples 100] [--steps 32] [--noise 0.05] [--seed 1] [--json]',
  summary:
    'Integrated-Gradients attributions: sparseness (Gini) and stability under a small input perturbation, models side by side (e.g. before and after adversarial or --stability training)',
  async run(context) {
    const { options, out } = context;
    const modelIds = idList(options.requiredString('model'));
    const datasetId = options.requiredString('dataset');
    const split = parseSplitName(options.string('split') ?? 'test');
    const samples = options.number('samples', { min: 1, max: 5000, integer: true });
    const steps = options.number('steps', { min: 4, max: 512, integer: true });
    const noise = options.number('noise', { min: 1e-6, max: 10 });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await explainModels(context.workspace(), {
      modelIds,
      datasetId,
      split,
      ...(samples !== undefined ? { samples } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(noise !== undefined ? { noise } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
    out.result(result, () =>
      result.models
        .map(
          (m) =>
            `${m.modelId}: Gini ${m.gini.toFixed(3)}, top-10% overlap ${m.topOverlap.toFixed(3)}, rank correlation ${m.rankCorrelation.toFixed(3)} (${m.flipped} of ${m.samples} predictions flipped)`,
        )
        .join('\n'),
    );
  },
};
