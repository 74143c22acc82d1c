import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import {
  AUGMENT_CONFIGURATIONS,
  compareAugmentation,
  type AugmentConfiguration,
} from '../../core/pipelines/compare/compare-augmentation.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';

function numberList(text: string, option: string): number[] {
  return text.split(',').map((part) => {
    const value = Number(part);
    if (part.trim() === '' || !Number.isFinite(value))
      throw badInput(`--${option} takes numbers, got "${part}"`);
    return value;
  });
}

export const augmentCompareCommand: Command = {
  path: ['augment', 'compare'],
  usage:
    'augment compare --dataset ID [--fractions 0.25,1] [--seeds 1,2] [--epochs 10] [--ratio 1] [--generator-epochs N] [--arch small-cnn] [--configurations none,classic,synthetic,both] [--batch-size 64] [--learning-rate 0.001] [--json]',
  summary:
    'None vs classical augmentation vs synthetic GAN patches vs both, per share of the training data and seed: test accuracy and macro-F1 with the gain over the baseline (models, generators and the comparison stored and audited)',
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const fractionsText = options.string('fractions');
    const seedsText = options.string('seeds');
    const configurationsText = options.string('configurations');
    const epochs = options.number('epochs', { min: 1, max: 1000, integer: true });
    const ratio = options.number('ratio', { min: 0.01, max: 10 });
    const generatorEpochs = options.number('generator-epochs', { min: 1, max: 1000, integer: true });
    const arch = options.string('arch');
    const batchSize = options.number('batch-size', { min: 1, max: 4096, integer: true });
    const learningRate = options.number('learning-rate', { min: 1e-7, max: 1 });
    options.rejectUnknown();
    const configurations = configurationsText?.split(',').map((c) => {
      const name = c.trim();
      if (!(AUGMENT_CONFIGURATIONS as readonly string[]).includes(name))
        throw badInput(`--configurations takes ${AUGMENT_CONFIGURATIONS.join(', ')}; got "${name}"`);
      return name as AugmentConfiguration;
    });
    await initEngine();
    const result = await compareAugmentation(
      context.workspace(),
      {
        datasetId,
        ...(fractionsText !== undefined ? { fractions: numberList(fractionsText, 'fractions') } : {}),
        ...(seedsText !== undefined ? { seeds: numberList(seedsText, 'seeds') } : {}),
        ...(configurations !== undefined ? { configurations } : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(ratio !== undefined ? { ratio } : {}),
        ...(generatorEpochs !== undefined ? { generatorEpochs } : {}),
        ...(arch !== undefined ? { arch } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(learningRate !== undefined ? { learningRate } : {}),
      },
      cliJobContext(context),
    );
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
    out.result(result, () =>
      [
        `comparison ${result.comparisonId} on the test split (${result.backend})`,
        'data   augmentation  accuracy  macro-F1 (sd)      gain acc.  gain F1',
        ...result.rows.map(
          (r) =>
            `${`${Math.round(r.fraction * 100)}%`.padEnd(5)}  ${r.configuration.padEnd(12)}  ${r.meanAccuracy.toFixed(4)}    ${r.meanMacroF1.toFixed(4)} (${r.sdMacroF1.toFixed(4)})  ${sign(r.gainAccuracy).padStart(9)}  ${sign(r.gainMacroF1).padStart(8)}`,
        ),
        ...result.generators.map(
          (g) =>
            `generator ${g.generatorId} (${Math.round(g.fraction * 100)}%, seed ${g.seed}): ${g.verdict}`,
        ),
        '',
        result.summary,
      ].join('\n'),
    );
  },
};
