import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { lrRangeTest } from '../../core/pipelines/train/lr-range-test.js';
import { compareLrPolicies } from '../../core/pipelines/compare/compare-lr-policies.js';
import { LR_POLICY_SYNTAX } from '../../core/train/lr-policy.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';

export const lrFindCommand: Command = {
  path: ['lr', 'find'],
  usage:
    'lr find --dataset ID [--arch ecg-resnet] [--seed 1] [--min 1e-6] [--max 1] [--steps 100] [--batch-size 64] [--json]',
  summary:
    'Learning-rate range test: loss against a geometrically growing rate, one batch per step, and the suggested rate',
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const arch = options.string('arch') ?? 'ecg-resnet';
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    const minRate = options.number('min', { min: 1e-12, max: 10 });
    const maxRate = options.number('max', { min: 1e-12, max: 10 });
    const steps = options.number('steps', { min: 10, max: 10000, integer: true });
    const batchSize = options.number('batch-size', { min: 1, max: 4096, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await lrRangeTest(
      context.workspace(),
      {
        datasetId,
        arch,
        seed,
        ...(minRate !== undefined ? { minRate } : {}),
        ...(maxRate !== undefined ? { maxRate } : {}),
        ...(steps !== undefined ? { steps } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () => {
      const every = Math.max(1, Math.floor(result.points.length / 12));
      return [
        ...result.points
          .filter((_, k) => k % every === 0)
          .map((p) => `  rate ${p.rate.toExponential(2)}  loss ${p.smoothed.toFixed(4)}`),
        `suggested learning rate ${result.suggestedRate.toExponential(2)} (steepest descent; a tenth of the minimum: ${result.minimumRate.toExponential(2)})`,
      ].join('\n');
    });
  },
};

export const lrCompareCommand: Command = {
  path: ['lr', 'compare'],
  usage:
    'lr compare --dataset ID --policies constant,cosine,onecycle:0.003 [--arch ecg-resnet] [--epochs 5] [--seeds 1,2] [--learning-rate 0.001] [--json]',
  summary: `Train once per learning-rate policy and seed, and set accuracy, spread across seeds, jitter and time side by side. Policies: ${LR_POLICY_SYNTAX}`,
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const policies = options
      .requiredString('policies')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const arch = options.string('arch') ?? 'ecg-resnet';
    const epochs = options.number('epochs', { min: 1, max: 1000, integer: true }) ?? 5;
    const seeds = (options.string('seeds') ?? '1').split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw badInput(`--seeds takes integers, got "${s}"`);
      return n;
    });
    const learningRate = options.number('learning-rate', { min: 1e-7, max: 1 });
    options.rejectUnknown();
    await initEngine();
    const result = await compareLrPolicies(
      context.workspace(),
      {
        datasetId,
        arch,
        policies,
        epochs,
        seeds,
        ...(learningRate !== undefined ? { learningRate } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        'policy                          macro-F1 (sd)      accuracy  jitter  seconds',
        ...result.rows.map(
          (r) =>
            `${r.policy.padEnd(30)}  ${r.meanMacroF1.toFixed(4)} (${r.sdMacroF1.toFixed(4)})  ${r.meanAccuracy.toFixed(4)}    ${r.epochJitter.toFixed(4)}  ${r.meanSeconds.toFixed(1)}`,
        ),
      ].join('\n'),
    );
  },
};
