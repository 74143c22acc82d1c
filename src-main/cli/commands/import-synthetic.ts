import type { Command } from '../command.js';
import { importSyntheticEcgDataset } from '../../core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../core/data/ecg-splits.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';
import { describeImport } from './import.js';

/** "S=0.1,V=0.05,F=0.02" to ectopic beat probabilities. */
function parseEctopy(text: string): Partial<Record<'S' | 'V' | 'F', number>> {
  const out: Partial<Record<'S' | 'V' | 'F', number>> = {};
  for (const part of text.split(',')) {
    const match = /^([SVF])=([0-9]*\.?[0-9]+)$/.exec(part.trim());
    if (match === null)
      throw badInput(`--ectopy takes CLASS=P pairs such as S=0.1,V=0.05,F=0.02; got "${part}"`);
    out[match[1] as 'S' | 'V' | 'F'] = Number(match[2]);
  }
  return out;
}

export const importSyntheticEcgCommand: Command = {
  path: ['import', 'synthetic-ecg'],
  usage:
    'import synthetic-ecg --name NAME [--records 10] [--seconds 300] [--seed 1] [--ectopy S=0.1,V=0.1,F=0.05] [--noise 0.01] [--split records:SEED:FRACTION] [--json]',
  summary:
    'Generate synthetic ECG patients (ECGSYN-style model with normal, supraventricular, ventricular and fusion beats) and store their beats as a dataset: for tests and demos without patient data',
  async run(context) {
    const { options, out } = context;
    const name = options.requiredString('name');
    const records = options.number('records', { min: 1, max: 500, integer: true }) ?? 10;
    const seconds = options.number('seconds', { min: 10, max: 86400 }) ?? 300;
    const seed = options.number('seed', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? 1;
    const ectopyText = options.string('ectopy');
    const noise = options.number('noise', { min: 0, max: 5 });
    const split = parseSplitSpec(options.string('split') ?? 'records:1:0.3');
    options.rejectUnknown();
    if (options.positionals.length > 0)
      throw badInput(`import synthetic-ecg takes no files, got "${options.positionals[0]}"`);
    const result = importSyntheticEcgDataset(
      context.workspace(),
      {
        name,
        records,
        seconds,
        seed,
        split,
        ...(ectopyText !== undefined ? { ectopy: parseEctopy(ectopyText) } : {}),
        ...(noise !== undefined ? { noise } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () => describeImport(result));
  },
};
