import type { Command } from '../command.js';
import { importWfdbDataset } from '../../core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../core/data/ecg-splits.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';
import { beatPresetOption } from './beat-preset-option.js';
import type { BeatDatasetResult } from '../../core/pipelines/import/beat-dataset-builder.js';

export const importWfdbCommand: Command = {
  path: ['import', 'wfdb'],
  usage:
    'import wfdb DIR|RECORD... --name NAME [--split ds1ds2|records:SEED:FRACTION|all-test] [--lead MLII] [--window 187] [--before 90] [--fs 360] [--annotator atr] [--duration SECONDS] [--preset standardize-per-beat|kachuee2018|record-normalized-rr | --rr-context] [--json]',
  summary: 'Import annotated WFDB records as beat windows with AAMI classes, hashed, split by record',
  booleanFlags: ['rr-context'],
  async run(context) {
    const { options, out } = context;
    const name = options.requiredString('name');
    const split = parseSplitSpec(options.string('split') ?? 'records:1:0.3');
    const lead = options.string('lead');
    const length = options.number('window', { min: 16, max: 10000, integer: true });
    const before = options.number('before', { min: 0, max: 9999, integer: true });
    const targetFs = options.number('fs', { min: 50, max: 10000 });
    const annotator = options.string('annotator');
    const durationSeconds = options.number('duration', { min: 1, max: 1e7 });
    const preset = beatPresetOption(options, ['window', 'before', 'fs']);
    options.rejectUnknown();
    if (options.positionals.length === 0)
      throw badInput('import wfdb needs at least one folder or record path');
    const result = importWfdbDataset(
      context.workspace(),
      {
        inputs: options.positionals,
        name,
        split,
        ...(lead !== undefined ? { lead } : {}),
        ...(length !== undefined ? { length } : {}),
        ...(before !== undefined ? { before } : {}),
        ...(targetFs !== undefined ? { targetFs } : {}),
        ...(preset !== undefined ? { preset } : {}),
        ...(annotator !== undefined ? { annotator } : {}),
        ...(durationSeconds !== undefined ? { durationSeconds } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () => describeImport(result));
  },
};

/** The human-readable summary of a beat import, shared by the WFDB and EDF commands. */
export function describeImport(result: BeatDatasetResult): string {
  return [
    `dataset ${result.datasetId} "${result.name}": ${result.records} records`,
    ...Object.entries(result.splits).map(
      ([split, s]) =>
        `  ${split}: ${s.total} beats (${Object.entries(s.classes)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}) from ${s.records.join(' ')}`,
    ),
    ...result.warnings.map((w) => `  warning: ${w}`),
    ...result.dataSufficiency.map((w) => `  ${w}`),
  ].join('\n');
}
