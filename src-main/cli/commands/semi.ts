import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { compareSemiSupervised } from '../../core/pipelines/compare/compare-semi.js';
import { SEMI_SYNTAX } from '../../core/train/semi-supervised.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';

export const semiCompareCommand: Command = {
  path: ['semi', 'compare'],
  usage:
    'semi compare --dataset ID --method mean-teacher|vat|ema-vat [--fractions 0.1,0.25,0.5] [--arch ecg-resnet] [--epochs 5] [--seed 1] [--json]',
  summary: `Gain of semi-supervised training over supervised training with the same fraction of labels (models stored and audited). Methods: ${SEMI_SYNTAX}`,
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const method = options.requiredString('method');
    const fractions = (options.string('fractions') ?? '0.1,0.25,0.5').split(',').map((f) => {
      const v = Number(f);
      if (!(v > 0 && v <= 1)) throw badInput(`--fractions takes numbers above 0 and at most 1, got "${f}"`);
      return v;
    });
    const arch = options.string('arch') ?? 'ecg-resnet';
    const epochs = options.number('epochs', { min: 1, max: 1000, integer: true }) ?? 5;
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    options.rejectUnknown();
    await initEngine();
    const result = await compareSemiSupervised(
      context.workspace(),
      { datasetId, arch, method, fractions, epochs, seed },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `labels  supervised macro-F1  ${method} macro-F1  gain`,
        ...result.rows.map(
          (r) =>
            `${`${Math.round(r.fraction * 100)}%`.padEnd(6)}  ${r.supervised.macroF1.toFixed(4).padEnd(19)}  ${r.semiSupervised.macroF1.toFixed(4).padEnd(method.length + 9)}  ${r.gain >= 0 ? '+' : ''}${r.gain.toFixed(4)}`,
        ),
      ].join('\n'),
    );
  },
};
