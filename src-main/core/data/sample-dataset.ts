import type { Workspace } from '../store/workspace.js';
import { getDataset } from '../store/datasets.js';
import { badInput } from '../errors.js';

/**
 * What training, compression and validation need from any dataset, whatever its domain: labelled samples with
 * a fixed input shape, a group per sample (the record, patient, study or flight that must never straddle a
 * split), a split per sample, and a function that turns chosen samples into model inputs with exactly the
 * preprocessing recorded at import. Domain code (ECG beats, images) implements it; generic code uses only it.
 */
export interface SampleDataset {
  id: string;
  name: string;
  /** The dataset row's kind, e.g. 'ecg-beats' or 'images'. */
  kind: string;
  /** What a model trained on it reads; architectures declare the input kinds they accept. */
  inputKind: string;
  classes: string[];
  /** Per-sample model input shape, e.g. [187, 1] or [64, 64, 1]. */
  sampleShape: number[];
  count: number;
  labels: Uint8Array;
  /** Group index of each sample, into `groups`. */
  group: Uint32Array;
  /** Group names: record names, patient or study ids. */
  groups: string[];
  /** Split code of each sample (SPLIT_CODES). */
  split: Uint8Array;
  /** Model inputs of the chosen samples, back to back, preprocessed as at import. */
  inputs(indices: ArrayLike<number>): Float32Array;
  /**
   * Values at the end of every sample that describe its context rather than the signal (an ECG beat's R-R
   * intervals): noise, attacks and their budgets leave them alone and perturb only the signal before them.
   */
  contextTail?: ContextTail;
  /** Facts a model trained on it must carry (preprocessing, sampling rate, lead, image size...). */
  modelMeta: Record<string, unknown>;
}

export interface ContextTail {
  /** How many values at the end of each sample (flattened) are context. */
  length: number;
  /** What each of them is, in order. */
  names: string[];
}

/** 1 where a perturbation may change a sample's value, 0 on its context tail (see SampleDataset.contextTail). */
export function perturbableMask(sampleSize: number, tail?: ContextTail): Float32Array | undefined {
  if (tail === undefined || tail.length === 0) return undefined;
  const mask = new Float32Array(sampleSize).fill(1);
  mask.fill(0, sampleSize - tail.length);
  return mask;
}

/**
 * Split codes stored per sample. 'val' is a published validation split kept as given (MedMNIST's): neither fitted
 * on nor tested, it chooses the training epoch in place of groups held out of the train split.
 */
export const SPLIT_CODES = { train: 0, test: 1, val: 2 } as const;
export type SplitName = 'train' | 'test' | 'all';

export function parseSplitName(text: string): SplitName {
  if (text === 'train' || text === 'test' || text === 'all') return text;
  throw badInput(`--split must be train, test or all, got "${text}"`);
}

type Loader = (workspace: Workspace, datasetId: string) => SampleDataset;
const loaders = new Map<string, Loader>();

/** Each domain registers the loader of its dataset kind (see data/dataset-kinds.ts). */
export function registerDatasetKind(kind: string, loader: Loader): void {
  loaders.set(kind, loader);
}

export function loadSampleDataset(workspace: Workspace, datasetId: string): SampleDataset {
  const row = getDataset(workspace.db, datasetId);
  const loader = loaders.get(row.kind);
  if (loader === undefined)
    throw badInput(`dataset ${datasetId} has kind "${row.kind}", which no loader reads`);
  return loader(workspace, datasetId);
}

/** Indices of the samples in a split, in stored order. */
export function sampleIndices(dataset: SampleDataset, split: SplitName): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < dataset.count; i++) {
    if (split === 'all' || dataset.split[i] === SPLIT_CODES[split]) out.push(i);
  }
  return Int32Array.from(out);
}

/** Indices of the samples of a published validation split (none for datasets split by Attest). */
export function givenValidationIndices(dataset: SampleDataset): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < dataset.count; i++) if (dataset.split[i] === SPLIT_CODES.val) out.push(i);
  return Int32Array.from(out);
}

/**
 * At most `count` samples of a split, evenly spread over it (so that every record or patient contributes, in
 * stored order); bad input naming the split when it is empty.
 */
export function spreadSampleIndices(dataset: SampleDataset, split: SplitName, count: number): number[] {
  const all = sampleIndices(dataset, split);
  if (all.length === 0) throw badInput(`dataset ${dataset.id} has no sample in its ${split} split`);
  const step = Math.max(1, all.length / count);
  return Array.from({ length: Math.min(count, all.length) }, (_, k) => all[Math.floor(k * step)] as number);
}

export function labelsOf(dataset: SampleDataset, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from(indices, (i) => dataset.labels[i] as number));
}

export function groupsOf(dataset: SampleDataset, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from(indices, (i) => dataset.group[i] as number));
}
