import type { Command } from '../command.js';
import { parseNoiseNames } from '../../core/validate/ecg-noises.js';
import { initEngine } from '../../core/engine/backend.js';
import { parseSuites, validateModel } from '../../core/validate/validate-model.js';
import { parseSplitName } from '../../core/data/ecg-dataset.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';

function numberList(text: string | undefined, name: string, min: number, max: number): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < min || v > max)) {
    throw badInput(
      `--${name} must be a comma-separated list of numbers from ${min} to ${max}, got "${text}"`,
    );
  }
  return values;
}

export const validateCommand: Command = {
  path: ['validate'],
  usage:
    'validate --model ID --dataset ID [--split test] [--suite clean,fgsm,noise] [--epsilons 0.01,0.05,0.1] [--snrs 24,18,12,6,0,-6] [--noises bw,ma,em,pl50,pl60,offset,scale|all] [--json]',
  summary:
    'Validate a model: per-class metrics, FGSM robustness, ECG noise stress test; stored as metric rows',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const datasetId = options.requiredString('dataset');
    const split = parseSplitName(options.string('split') ?? 'test');
    const suites = parseSuites(options.string('suite') ?? 'clean,fgsm,noise');
    const epsilons = numberList(options.string('epsilons'), 'epsilons', 0, 10);
    const snrs = numberList(options.string('snrs'), 'snrs', -30, 60);
    const noisesText = options.string('noises');
    const noises = noisesText !== undefined ? parseNoiseNames(noisesText) : undefined;
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await validateModel(
      context.workspace(),
      {
        modelId,
        datasetId,
        split,
        suites,
        ...(epsilons !== undefined ? { epsilons } : {}),
        ...(snrs !== undefined ? { snrs } : {}),
        ...(noises !== undefined ? { noises } : {}),
        ...(seed !== undefined ? { seed } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () => JSON.stringify(result, null, 2));
  },
};
