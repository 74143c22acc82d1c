import type { Workspace } from '../store/workspace.js';
import { openDatasetBundle } from './dataset-bundle.js';
import { SPLIT_CODES, type SampleDataset, type SplitName } from './sample-dataset.js';
import { standardizeBeats } from './ecg/preprocess.js';
import { RR_FEATURE_COUNT, RR_FEATURE_NAMES } from './ecg/rr-features.js';
import { recordNormalizedRrInputs, recordScales } from './ecg/record-normalize.js';

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
  /** Preset 'record-normalized-rr': each beat's R-R features (RR_FEATURE_COUNT values per beat). */
  rr?: Float32Array;
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
    ...(has('rr') ? { rr: array<Float32Array>('rr') } : {}),
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

/** The selected beats' R-R features, back to back (RR_FEATURE_COUNT per beat). */
export function gatherRr(rr: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * RR_FEATURE_COUNT);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    out.set(rr.subarray(i * RR_FEATURE_COUNT, (i + 1) * RR_FEATURE_COUNT), k * RR_FEATURE_COUNT);
  }
  return out;
}

export function gatherLabels(dataset: EcgBeatDataset, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from(indices, (i) => dataset.labels[i] as number));
}

export function gatherRecords(dataset: EcgBeatDataset, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from(indices, (i) => dataset.record[i] as number));
}

/**
 * Model inputs of the 'record-normalized-rr' preset for chosen beats: windows scaled by their record's scale
 * (computed once over all the record's beats, so that a beat's input does not depend on which others are asked
 * with it), followed by the beat's R-R features.
 */
function rrInputsOf(dataset: EcgBeatDataset): (indices: ArrayLike<number>) => Float32Array {
  const rr = dataset.rr;
  if (rr === undefined)
    throw new Error(
      `dataset ${dataset.id} was made with preset record-normalized-rr but stores no R-R features`,
    );
  let scales: Map<number, number> | undefined;
  return (indices) => {
    scales ??= recordScales(dataset.windows, dataset.length, dataset.record);
    return recordNormalizedRrInputs(
      gatherWindows(dataset, indices),
      dataset.length,
      gatherRecords(dataset, indices),
      gatherRr(rr, indices),
      scales,
    );
  };
}

/**
 * Model inputs of the beats at `indices` from raw windows in mV that stand in for theirs (the noise stress test
 * adds noise to the stored windows). With R-R context the noise changes the waveform only: the intervals stay
 * those of the annotated beats (the heart's timing, which noise on the lead does not move), and each record's
 * scale is measured on the noisy beats, as a device would.
 */
export function inputsOfRawBeats(
  dataset: EcgBeatDataset,
  windows: Float32Array,
  indices: ArrayLike<number>,
): Float32Array {
  if (dataset.preprocessing === 'record-normalized-rr' && dataset.rr !== undefined)
    return recordNormalizedRrInputs(
      windows,
      dataset.length,
      gatherRecords(dataset, indices),
      gatherRr(dataset.rr, indices),
    );
  return standardizeBeats(windows, dataset.length);
}

/** The generic view of a beat dataset: model inputs are the windows standardized one by one, or as stored
 * when a preset (kachuee2018) already made them model inputs at import, or scaled per record and followed by
 * the beat's R-R features (record-normalized-rr; input kind 'ecg-beat-rr'). */
export function ecgSampleDataset(dataset: EcgBeatDataset): SampleDataset {
  if (dataset.preprocessing === 'record-normalized-rr')
    return {
      id: dataset.id,
      name: dataset.name,
      kind: 'ecg-beats',
      inputKind: 'ecg-beat-rr',
      classes: dataset.classes,
      sampleShape: [dataset.length + RR_FEATURE_COUNT, 1],
      count: dataset.labels.length,
      labels: dataset.labels,
      group: Uint32Array.from(dataset.record),
      groups: dataset.records,
      split: dataset.split,
      inputs: rrInputsOf(dataset),
      contextTail: { length: RR_FEATURE_COUNT, names: [...RR_FEATURE_NAMES] },
      modelMeta: {
        inputLength: dataset.length,
        preprocessing: dataset.preprocessing,
        fs: dataset.fs,
        lead: dataset.lead,
        contextTail: { length: RR_FEATURE_COUNT, names: [...RR_FEATURE_NAMES] },
      },
    };
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
