import { badInput } from '../../errors.js';
import type { WfdbAnnotation } from '../wfdb/annotations.js';
import { AAMI_CLASSES, aamiClassOf } from './aami.js';
import { resampleLinear } from './resample.js';

export interface BeatWindows {
  /** n windows of `length` samples one after the other, in the signal's physical units (mV for ECG). */
  windows: Float32Array;
  length: number;
  /** Index into AAMI_CLASSES per window. */
  labels: Uint8Array;
  /** The R-peak sample of each window in the source signal (at the source rate). */
  samples: Float64Array;
  /** Beats left out because their window would reach past either end of the signal. */
  skippedAtEdges: number;
  /** Beats left out because their window overlaps a gap (NaN samples: a multi-segment record's null segment). */
  skippedInGaps: number;
}

export interface SegmentOptions {
  /** Window length in samples at targetFs (default 187). */
  length?: number;
  /** Sampling rate of the windows (default 360 Hz, the MIT-BIH rate). */
  targetFs?: number;
  /** Samples before the R peak at targetFs (default 90). */
  before?: number;
}

/**
 * Cuts one window around every beat annotation that maps to an AAMI class; other annotations (rhythm, noise,
 * non-beats) are ignored. When `fs` differs from `targetFs` the signal is first resampled by linear
 * interpolation (with a light moving-average low-pass when downsampling; see resampleLinear) and the R peaks
 * are moved to the nearest sample at the new rate. Beats whose window leaves the signal are skipped and counted.
 */
export function segmentBeats(
  signal: Float32Array,
  fs: number,
  annotations: WfdbAnnotation[],
  options: SegmentOptions = {},
): BeatWindows {
  const length = options.length ?? 187;
  const targetFs = options.targetFs ?? 360;
  const before = options.before ?? 90;
  if (!Number.isInteger(length) || length < 1)
    throw badInput(`the window length must be a positive integer, got ${length}`);
  if (!Number.isInteger(before) || before < 0 || before >= length)
    throw badInput(`the samples before the R peak must be an integer from 0 to ${length - 1}, got ${before}`);
  if (!(fs > 0 && Number.isFinite(fs))) throw badInput(`the sampling rate must be positive, got ${fs}`);
  if (!(targetFs > 0 && Number.isFinite(targetFs)))
    throw badInput(`the target rate must be positive, got ${targetFs}`);

  const resampled = resampleLinear(signal, fs, targetFs);
  const kept: { start: number; label: number; sample: number }[] = [];
  let skippedAtEdges = 0;
  let skippedInGaps = 0;
  for (const annotation of annotations) {
    const cls = aamiClassOf(annotation.symbol);
    if (cls === undefined) continue;
    const r = fs === targetFs ? annotation.sample : Math.round((annotation.sample * targetFs) / fs);
    const start = r - before;
    if (start < 0 || start + length > resampled.length) {
      skippedAtEdges++;
      continue;
    }
    if (resampled.subarray(start, start + length).some((v) => !Number.isFinite(v))) {
      skippedInGaps++;
      continue;
    }
    kept.push({ start, label: AAMI_CLASSES.indexOf(cls), sample: annotation.sample });
  }

  const windows = new Float32Array(kept.length * length);
  const labels = new Uint8Array(kept.length);
  const samples = new Float64Array(kept.length);
  kept.forEach((beat, k) => {
    windows.set(resampled.subarray(beat.start, beat.start + length), k * length);
    labels[k] = beat.label;
    samples[k] = beat.sample;
  });
  return { windows, length, labels, samples, skippedAtEdges, skippedInGaps };
}
