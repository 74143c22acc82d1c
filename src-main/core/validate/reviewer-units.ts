import { gatherWindows, loadEcgDataset } from '../data/ecg-dataset.js';
import type { ImagePreprocessing } from '../data/images/preprocess.js';
import type { SuiteContext } from './suite-context.js';
import type { Workspace } from '../store/workspace.js';
import type { SampleDataset } from '../data/sample-dataset.js';

/**
 * What one unit of model input is in the reviewer's units, so that an attack budget reads as a physical size:
 * millivolts for ECG (inputs are standardized per beat, so one unit is the beat's standard deviation; the median
 * over the test beats is taken) and grey levels out of 255 for images. Null where no such scale exists (images
 * normalized per image have no single scale).
 */
export interface ReviewerScale {
  unit: 'mV' | 'grey levels of 255';
  perInputUnit: number;
  basis: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function reviewerScale(ctx: SuiteContext): ReviewerScale | null {
  return reviewerScaleOf(ctx.workspace, ctx.dataset, ctx.indices);
}

/** The scale of a dataset's samples (those at `indices`) as fed to the model. */
export function reviewerScaleOf(
  workspace: Workspace,
  dataset: SampleDataset,
  indices: Int32Array,
): ReviewerScale | null {
  if (dataset.kind === 'ecg-beats') {
    const ecg = loadEcgDataset(workspace, dataset.id);
    // Only beats standardized per beat have one input unit = one standard deviation in mV (kachuee2018 scales
    // each 10 s window to [0, 1], so its scale is not recorded).
    if (ecg.preprocessing !== 'standardize-per-beat') return null;
    const windows = gatherWindows(ecg, indices);
    const length = ecg.length;
    const deviations: number[] = [];
    for (let start = 0; start + length <= windows.length; start += length) {
      let sum = 0;
      let squares = 0;
      for (let i = start; i < start + length; i++) {
        sum += windows[i] as number;
        squares += (windows[i] as number) ** 2;
      }
      const mean = sum / length;
      deviations.push(Math.sqrt(Math.max(squares / length - mean * mean, 0)));
    }
    if (deviations.length === 0) return null;
    return {
      unit: 'mV',
      perInputUnit: median(deviations),
      basis: `one input unit is a beat's standard deviation; median over the ${deviations.length} test beats`,
    };
  }
  const preprocessing = dataset.modelMeta['imagePreprocessing'] as ImagePreprocessing | undefined;
  const norm = preprocessing?.normalization;
  if (norm?.kind === 'unit')
    return { unit: 'grey levels of 255', perInputUnit: 255, basis: 'inputs are intensities in [0, 1]' };
  if (norm?.kind === 'dataset') {
    const std = norm.std.reduce((a, b) => a + b, 0) / norm.std.length;
    return {
      unit: 'grey levels of 255',
      perInputUnit: 255 * std,
      basis: "inputs are standardized by the training split's intensity standard deviation",
    };
  }
  return null;
}

/** A budget in model input units as the reviewer reads it, e.g. "0.05 (about 0.012 mV)". */
export function inReviewerUnits(epsilon: number, scale: ReviewerScale | null | undefined): string {
  if (scale === null || scale === undefined) return String(epsilon);
  const value = epsilon * scale.perInputUnit;
  return `${epsilon} (about ${value < 0.1 ? value.toPrecision(2) : value.toFixed(scale.unit === 'mV' ? 2 : 1)} ${scale.unit})`;
}
