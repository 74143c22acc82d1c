import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { compressModel } from '../../core/pipelines/compress/compress-model.js';
import { figuresTable } from '../../core/compress/format-figures.js';
import { cliJobContext } from './job-context.js';
import { recipeMethods, withMethodEvidence } from './method-evidence-output.js';

export const compressCommand: Command = {
  path: ['compress'],
  usage:
    'compress --model ID --recipe STEPS [--fine-tune-epochs 2] [--learning-rate 3e-4] [--latency-runs 30] [--seed S] [--name NAME] [--dataset ID] [--json]',
  summary:
    'Derive a compressed child model: pruning (schedule, global, whole filters), int8 / float16 / QAT, low-rank ' +
    '(lowrank:R is the SVD; lowrank:R:p=1 the robust l_p fit of Tukan et al. 2021, 1 <= p < 2; :subspaces=J ' +
    'partitions the neurons into J parts with a subspace each, at the parameter budget of rank R), ' +
    'distillation, adversarial; measured beside the parent',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const recipe = options.requiredString('recipe');
    const fineTuneEpochs = options.number('fine-tune-epochs', { min: 0, max: 100, integer: true });
    const learningRate = options.number('learning-rate', { min: 1e-7, max: 0.5 });
    const latencyRuns = options.number('latency-runs', { min: 1, max: 10000, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    const name = options.string('name');
    const datasetId = options.string('dataset');
    options.rejectUnknown();
    await initEngine();
    const compressed = await compressModel(
      context.workspace(),
      {
        modelId,
        recipe,
        ...(fineTuneEpochs !== undefined ? { fineTuneEpochs } : {}),
        ...(learningRate !== undefined ? { learningRate } : {}),
        ...(latencyRuns !== undefined ? { latencyRuns } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(datasetId !== undefined ? { datasetId } : {}),
      },
      cliJobContext(context),
    );
    const result = withMethodEvidence(context, compressed, recipeMethods(recipe));
    out.result(result, () => {
      const lines = [
        `model ${result.modelId} (parent ${result.parentId}, ${result.recipe}), weights ${result.weightEncoding}, ` +
          `${result.nonzeroParams}/${result.params} nonzero parameters (sparsity ${(result.sparsity * 100).toFixed(1)}%)`,
        '',
        figuresTable(result.measurement.parent, result.measurement.child),
      ];
      if (result.heldOut !== undefined) {
        const where = result.heldOut.optimistic
          ? 'a sample of the training data (the parent has no held-out records: optimistic)'
          : `held-out records ${result.heldOut.records.join(', ')}`;
        lines.push('', `scores on ${where}:`);
        for (const { stage, score } of result.heldOut.stages)
          lines.push(
            `  ${stage.padEnd(34)} accuracy ${score.accuracy.toFixed(4)}  macro-F1 ${score.macroF1.toFixed(4)}`,
          );
      }
      if (result.notes.length > 0) lines.push('', ...result.notes.map((n) => `note: ${n}`));
      if (result.sensitivity !== undefined)
        lines.push('', 'int8 sensitivity:', ...result.sensitivity.advice.map((a) => `  ${a}`));
      return lines.join('\n');
    });
  },
};
