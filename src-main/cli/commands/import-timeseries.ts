import type { Command, CommandContext } from '../command.js';
import { importTimeseriesDataset } from '../../core/pipelines/import/import-timeseries-dataset.js';
import { parseSplitSpec } from '../../core/data/ecg-splits.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';
import { beatPresetOption } from './beat-preset-option.js';
import { describeImport } from './import.js';

async function run(context: CommandContext, format: 'csv' | 'npy'): Promise<void> {
  const { options, out } = context;
  const name = options.requiredString('name');
  const layout = options.string('layout') ?? 'beats';
  if (layout !== 'beats' && layout !== 'samples')
    throw badInput(`--layout must be beats or samples, got "${layout}"`);
  const fs = options.number('fs', { min: 1, max: 100000 });
  if (fs === undefined) throw badInput('option --fs (the sampling rate in Hz) is required');
  const splitText = options.string('split');
  const testFile = options.string('test');
  const labels = options.string('labels')?.split(',');
  const lead = options.string('lead');
  const beatsDir = options.string('beats');
  const units = options.string('units');
  if (units !== undefined && units !== 'mV' && units !== 'uV' && units !== 'V')
    throw badInput(`--units must be mV, uV or V, got "${units}"`);
  const before = options.number('before', { min: 0, max: 9999, integer: true });
  const preset = beatPresetOption(options, ['before']);
  options.rejectUnknown();
  if (options.positionals.length === 0) throw badInput(`import ${format} needs at least one file`);
  const result = importTimeseriesDataset(
    context.workspace(),
    {
      inputs: options.positionals,
      name,
      layout,
      fs,
      ...(splitText !== undefined ? { split: parseSplitSpec(splitText) } : {}),
      ...(testFile !== undefined ? { testFile } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(lead !== undefined ? { lead } : {}),
      ...(beatsDir !== undefined ? { beatsDir } : {}),
      ...(units !== undefined ? { units } : {}),
      ...(before !== undefined ? { before } : {}),
      ...(preset !== undefined ? { preset } : {}),
    },
    cliJobContext(context),
  );
  out.result(result, () => describeImport(result));
}

export const importCsvCommand: Command = {
  path: ['import', 'csv'],
  usage:
    'import csv FILE... --name NAME --fs HZ [--layout beats|samples] [--test FILE | --split beats:SEED:FRACTION] [--lead COLUMN --beats DIR --units mV] [--preset standardize-per-beat|kachuee2018|record-normalized-rr | --rr-context] [--json]',
  summary:
    'Import ECG time series from CSV: one row per beat (samples then the label: 0-4 = N S V F Q, or a beat symbol), or one row per sample with beats from DIR/RECORD.csv',
  booleanFlags: ['rr-context'],
  run: (context) => run(context, 'csv'),
};

export const importNpyCommand: Command = {
  path: ['import', 'npy'],
  usage:
    'import npy BEATS.npy... --labels LABELS.npy,... --name NAME --fs HZ [--test FILE | --split beats:SEED:FRACTION] [--json]',
  summary:
    'Import ECG beats from NumPy arrays: a 2-D array of beats (beats x samples) and a 1-D array of labels each',
  run: (context) => run(context, 'npy'),
};
