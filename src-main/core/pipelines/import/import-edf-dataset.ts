import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import type { SplitSpec } from '../../data/ecg-splits.js';
import { edfName } from '../../data/edf/record.js';
import {
  beatWindowOptions,
  planSplit,
  storeBeatDataset,
  type BeatDatasetResult,
  type BeatPreset,
} from './beat-dataset-builder.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { EDF_IMPORTER_VERSION } from '../../data/ecg/importer-versions.js';
import { readEdfRecording } from '../../data/edf/edf-recording.js';

export { EDF_IMPORTER_VERSION, readEdfRecording };

export interface ImportEdfOptions {
  inputs: string[];
  name: string;
  split: SplitSpec;
  /** Signal label; default the first signal labelled like an ECG lead (MLII, ECG, II, lead II). */
  lead?: string;
  /** Folder of RECORD.csv beat files (time in seconds or sample, label); else the EDF+ annotations. */
  beatsDir?: string;
  length?: number;
  before?: number;
  targetFs?: number;
  preset?: BeatPreset;
}

export function discoverEdfFiles(inputs: string[]): string[] {
  if (inputs.length === 0) throw badInput('import edf needs at least one .edf file or folder');
  const found: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    if (!existsSync(path)) throw badInput('no such file or folder', path);
    if (statSync(path).isDirectory()) {
      const files = readdirSync(path)
        .filter((f) => /\.edf$/i.test(f))
        .sort()
        .map((f) => join(path, f));
      if (files.length === 0) throw badInput('the folder holds no .edf file', path);
      found.push(...files);
    } else {
      found.push(path);
    }
  }
  return [...new Set(found)];
}

/**
 * Imports EDF/EDF+ ECG recordings as a beat dataset: one lead in mV, beats from the EDF+ annotations (texts that
 * are MIT-BIH beat symbols, placed by their onset) or from a CSV per record, split by record like WFDB imports.
 */
export function importEdfDataset(
  workspace: Workspace,
  options: ImportEdfOptions,
  context: JobContext,
): BeatDatasetResult {
  const windowOptions = beatWindowOptions(options);
  if (options.name.trim() === '' || options.name.trim().length > 200)
    throw badInput('--name must be 1 to 200 characters');
  const files = discoverEdfFiles(options.inputs);
  const { plan, warnings } = planSplit(files.map(edfName), options.split, context);
  const used = files.filter((f) => !plan.skipped.includes(edfName(f)));
  const recordings = used.map((path, i) => {
    throwIfCancelled(context.signal);
    context.progress((0.9 * i) / used.length, `reading ${edfName(path)}`);
    return readEdfRecording(path, options);
  });
  return storeBeatDataset(
    workspace,
    {
      name: options.name,
      importer: EDF_IMPORTER_VERSION,
      split: options.split,
      lead: options.lead ?? 'first ECG signal',
      ...windowOptions,
      ...(options.preset !== undefined ? { preset: options.preset } : {}),
      params: {
        inputs: options.inputs,
        split: options.split,
        beats: options.beatsDir ?? 'edf+ annotations',
      },
    },
    recordings,
    plan.test,
    warnings,
    plan.skipped,
    context,
  );
}
