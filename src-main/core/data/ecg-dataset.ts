import type { Workspace } from '../store/workspace.js';
import { openDatasetBundle } from './dataset-bundle.js';
import { SPLIT_CODES, type SampleDataset, type SplitName } from './sample-dataset.js';
import { standardizeBeats } from './ecg/preprocess.js';

/** An imported beat dataset, decoded from its bundle: raw windows in mV plus per-beat label, record and split. */
export interface EcgBeatDataset {
  id: string;
  name: string;
  classes: string[];
  records: string[];
  length: number;
  fs: number;
  lead: string;
  /** Index of the R peak inside each window. */
  before: number;
  /** How windows become model inputs: 'standardize-per-beat', or 'kachuee2018' (windows stored ready). */
  preprocessing: string;
  windows: Float32Array;
  labels: Uint8Array;
  record: Uint16Array;
  split: Uint8Array;
  /** R-peak sample of each beat in its source recording (at the source's rate), when the importer knew it. */
  positions?: Float64Array;
}

export type { SplitName } from './sample-dataset.js';
export { parseSplitName } from './sample-dataset.js';

export function loadEcgDataset(workspace: Workspace, datasetId: string): EcgBeatDataset {
  const { row, meta, array, has } = openDatasetBundle(
    workspace,
    datasetId,
    'ecg-beats',
    'an ECG beat dataset',
  );
  return {
    id: row.id,
    name: row.name,
    classes: meta['classes'] as string[],
    records: meta['records'] as string[],
    length: meta['length'] as number,
    fs: meta['fs'] as number,
    lead: meta['lead'] as string,
    before:
      typeof meta['before'] === 'number'
        ? meta['before']
        : Math.floor(((meta['length'] as number) * 90) / 187),
    preprocessing: typeof meta['preprocessing'] === 'string' ? meta['preprocessing'] : 'standardize-per-beat',
    windows: array<Float32Array>('windows'),
    labels: array<Uint8Array>('labels'),
    record: array<Uint16Array>('record'),
    split: array<Uint8Array>('split'),
    ...(has('position') ? { positions: array<Float64Array>('position') } : {}),
  };
}

/** Indices of the beats in a split, in stored order. */
export function splitIndices(dataset: EcgBeatDataset, split: SplitName): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < dataset.labels.length; i++) {
    if (split === 'all' || dataset.split[i] === SPLIT_CODES[split]) out.push(i);
  }
  return Int32Array.from(out);
}

/** Copies the selected beats' windows into one contiguous array (n * length). */
export function gatherWindows(dataset: EcgBeatDataset, indices: ArrayLike<number>): Float32Array {
  const { length } = dataset;
  const out = new Float32Array(indices.length * length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    out.set(dataset.windows.subarray(i * length, (i + 1) * length), k * length);
  }
  return out;
}

export function gatherLabels(dataset: EcgBeatDataset, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from(indices, (i) => dataset.labels[i] as number));
}

export function gatherRecords(dataset: EcgBeatDataset, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from(indices, (i) => dataset.record[i] as number));
}

/** The generic view of a beat dataset: model inputs are the windows standardized one by one, or as stored
 * when a preset (kachuee2018) already made them model inputs at import. */
export function ecgSampleDataset(dataset: EcgBeatDataset): SampleDataset {
  return {
    id: dataset.id,
    name: dataset.name,
    kind: 'ecg-beats',
    inputKind: 'ecg-beat',
    classes: dataset.classes,
    sampleShape: [dataset.length, 1],
    count: dataset.labels.length,
    labels: dataset.labels,
    group: Uint32Array.from(dataset.record),
    groups: dataset.records,
    split: dataset.split,
    inputs: (indices) =>
      dataset.preprocessing === 'kachuee2018'
        ? gatherWindows(dataset, indices)
        : standardizeBeats(gatherWindows(dataset, indices), dataset.length),
    modelMeta: {
      inputLength: dataset.length,
      preprocessing: dataset.preprocessing,
      fs: dataset.fs,
      lead: dataset.lead,
    },
  };
}
