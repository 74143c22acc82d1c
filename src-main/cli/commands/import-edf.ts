import type { Command } from '../command.js';
import { importEdfDataset } from '../../core/pipelines/import/import-edf-dataset.js';
import { parseSplitSpec } from '../../core/data/ecg-splits.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';
import { beatPresetOption } from './beat-preset-option.js';
import { describeImport } from './import.js';

export const importEdfCommand: Command = {
  path: ['import', 'edf'],
  usage:
    'import edf FILE.edf|DIR... --name NAME [--split records:SEED:FRACTION|all-test] [--lead LABEL] [--beats DIR] [--window 187] [--before 90] [--fs 360] [--preset standardize-per-beat|kachuee2018|record-normalized-rr | --rr-context] [--json]',
  summary:
    'Import EDF/EDF+ ECG recordings as beat windows: beats from EDF+ annotations (MIT-BIH symbols) or DIR/RECORD.csv (time|sample,label)',
  booleanFlags: ['rr-context'],
  async run(context) {
    const { options, out } = context;
    const name = options.requiredString('name');
    const split = parseSplitSpec(options.string('split') ?? 'records:1:0.3');
    const lead = options.string('lead');
    const beatsDir = options.string('beats');
    const length = options.number('window', { min: 16, max: 10000, integer: true });
    const before = options.number('before', { min: 0, max: 9999, integer: true });
    const targetFs = options.number('fs', { min: 50, max: 10000 });
    const preset = beatPresetOption(options, ['window', 'before', 'fs']);
    options.rejectUnknown();
    if (options.positionals.length === 0) throw badInput('import edf needs at least one .edf file or folder');
    const result = importEdfDataset(
      context.workspace(),
      {
        inputs: options.positionals,
        name,
        split,
        ...(lead !== undefined ? { lead } : {}),
        ...(beatsDir !== undefined ? { beatsDir } : {}),
        ...(length !== undefined ? { length } : {}),
        ...(before !== undefined ? { before } : {}),
        ...(targetFs !== undefined ? { targetFs } : {}),
        ...(preset !== undefined ? { preset } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () => describeImport(result));
  },
};
