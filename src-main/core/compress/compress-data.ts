import type { Workspace } from '../store/workspace.js';
import type { ModelRow } from '../store/models.js';
import { loadDataset } from '../data/dataset-kinds.js';
import {
  givenValidationIndices,
  labelsOf,
  sampleIndices,
  type SampleDataset,
} from '../data/sample-dataset.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import { softenedClassWeights } from '../train/class-weights.js';

/**
 * The data a compression run uses, all from the parent's training split: fine-tuning samples (the parent's
 * own training records), held-out samples to score every stage (the parent's validation records, never
 * trained on), and a calibration sample for int8 activation ranges. The test split is never touched here:
 * it belongs to `attest validate`.
 */
export interface CompressData {
  dataset: SampleDataset;
  fit: { inputs: Float32Array; labels: Int32Array };
  heldOut: { inputs: Float32Array; labels: Int32Array; records: string[]; optimistic: boolean };
  /** A stratified part of the held-out samples for the int8 sensitivity scan (about 30 evaluations). */
  scan: { inputs: Float32Array; labels: Int32Array };
  calibration: Float32Array;
  classWeights: number[];
}

const CALIBRATION_SAMPLES = 512;
const MAX_HELD_OUT = 4000;
const SCAN_SAMPLES = 1200;
/** Every class keeps at least this many samples in the scan (or all it has), so rare classes still count. */
const SCAN_PER_CLASS = 60;

export function loadCompressData(workspace: Workspace, parent: ModelRow, seed: number): CompressData {
  const dataset = loadDataset(workspace, parent.datasetId as string);
  const validationRecords = new Set((parent.summary['validationRecords'] as string[] | undefined) ?? []);
  const train = Array.from(sampleIndices(dataset, 'train'));
  const recordOf = (i: number): string => dataset.groups[dataset.group[i] as number] ?? '';
  // A published validation split (MedMNIST's) is the parent's held-out set as it was in training.
  const givenVal = Array.from(givenValidationIndices(dataset));
  let fitIdx = givenVal.length > 0 ? train : train.filter((i) => !validationRecords.has(recordOf(i)));
  let heldIdx = givenVal.length > 0 ? givenVal : train.filter((i) => validationRecords.has(recordOf(i)));
  let optimistic = false;
  if (heldIdx.length === 0 || fitIdx.length === 0) {
    // A parent without held-out records (trained elsewhere): score on a sample of its training data, and say so.
    fitIdx = train;
    heldIdx = pick(train, Math.min(train.length, 1000), deriveSeed(seed, 'held-out'));
    optimistic = true;
  }
  if (heldIdx.length > MAX_HELD_OUT) heldIdx = pick(heldIdx, MAX_HELD_OUT, deriveSeed(seed, 'held-out-cap'));
  const fitLabels = labelsOf(dataset, fitIdx);
  const weights = softenedClassWeights(fitLabels, dataset.classes.length);
  const calibrationIdx = pick(
    fitIdx,
    Math.min(fitIdx.length, CALIBRATION_SAMPLES),
    deriveSeed(seed, 'calibration'),
  );
  return {
    dataset,
    fit: { inputs: dataset.inputs(fitIdx), labels: fitLabels },
    heldOut: {
      inputs: dataset.inputs(heldIdx),
      labels: labelsOf(dataset, heldIdx),
      records: optimistic ? [] : givenVal.length > 0 ? ['published val split'] : [...validationRecords],
      optimistic,
    },
    scan: (() => {
      const scanIdx = stratified(heldIdx, dataset.labels, SCAN_SAMPLES, deriveSeed(seed, 'scan'));
      return { inputs: dataset.inputs(scanIdx), labels: labelsOf(dataset, scanIdx) };
    })(),
    calibration: dataset.inputs(calibrationIdx),
    classWeights: dataset.classes.map((_, k) => weights[k] ?? 1),
  };
}

/** About `count` of the indices in proportion to their classes, but at least SCAN_PER_CLASS of each class. */
function stratified(indices: number[], labels: Uint8Array, count: number, seed: number): number[] {
  if (indices.length <= count) return indices;
  const byClass = new Map<number, number[]>();
  for (const i of indices) byClass.set(labels[i] as number, [...(byClass.get(labels[i] as number) ?? []), i]);
  const out: number[] = [];
  for (const [label, members] of byClass) {
    const share = Math.max(SCAN_PER_CLASS, Math.round((count * members.length) / indices.length));
    out.push(...pick(members, Math.min(members.length, share), deriveSeed(seed, 'class', label)));
  }
  return out.sort((a, b) => a - b);
}

/** `count` of the indices, chosen by a seeded shuffle and kept in stored order. */
function pick(indices: number[], count: number, seed: number): number[] {
  const order = shuffledIndices(indices.length, createRng(seed));
  return Array.from(order.subarray(0, count), (k) => indices[k] as number).sort((a, b) => a - b);
}
