import type { WfdbAnnotation } from '../wfdb/annotations.js';
import { AAMI_CLASSES, aamiClassOf } from './aami.js';
import { resampleLinear } from './resample.js';
import type { BeatWindows } from './segment.js';

/*
 * The beat format of Kachuee, Fazeli and Sarrafzadeh, "ECG Heartbeat Classification: A Deep Transferable
 * Representation" (ICHI 2018), the format of the public "ECG Heartbeat Categorization" data set on which many
 * published heartbeat models are trained: the lead at 125 Hz, cut into 10-second windows, each window scaled to
 * [0, 1] by its own minimum and maximum; in each window the median R-R interval T of its beats; each beat taken
 * from its R peak forward for 1.2 T samples and zero-padded (or cut) to 187 samples.
 */
export const KACHUEE_FS = 125;
export const KACHUEE_WINDOW_SECONDS = 10;
export const KACHUEE_LENGTH = 187;

export interface KachueeBeats extends BeatWindows {
  /** Beats left out because their window holds no other beat, so no R-R interval. */
  skippedWithoutInterval: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Every annotated beat that maps to an AAMI class, in the Kachuee et al. 2018 format. A beat whose 1.2 T samples
 * run past the end of its 10-second window is left out (counted in skippedAtEdges), as is every beat of a window
 * that overlaps a gap in the signal (skippedInGaps) or holds a single beat (skippedWithoutInterval).
 */
export function segmentKachuee2018(
  signal: Float32Array,
  fs: number,
  annotations: Pick<WfdbAnnotation, 'sample' | 'symbol'>[],
): KachueeBeats {
  const resampled = resampleLinear(signal, fs, KACHUEE_FS);
  const windowLength = KACHUEE_FS * KACHUEE_WINDOW_SECONDS;
  const beats = annotations
    .map((a) => ({
      cls: aamiClassOf(a.symbol),
      sample: a.sample,
      r: Math.round((a.sample * KACHUEE_FS) / fs),
    }))
    .filter((b): b is { cls: NonNullable<typeof b.cls>; sample: number; r: number } => b.cls !== undefined)
    .filter((b) => b.r >= 0 && b.r < resampled.length)
    .sort((a, b) => a.r - b.r);
  const windows: Float32Array[] = [];
  const labels: number[] = [];
  const samples: number[] = [];
  let skippedAtEdges = 0;
  let skippedInGaps = 0;
  let skippedWithoutInterval = 0;
  let next = 0;
  for (let start = 0; start < resampled.length && next < beats.length; start += windowLength) {
    const end = Math.min(start + windowLength, resampled.length);
    const inWindow: typeof beats = [];
    while (next < beats.length && (beats[next]?.r as number) < end)
      inWindow.push(beats[next++] as (typeof beats)[0]);
    if (inWindow.length === 0) continue;
    const raw = resampled.subarray(start, end);
    if (raw.some((v) => !Number.isFinite(v))) {
      skippedInGaps += inWindow.length;
      continue;
    }
    if (inWindow.length < 2) {
      skippedWithoutInterval += inWindow.length;
      continue;
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of raw) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // A flat window (lead off) has no shape to scale: it stays at 0 rather than dividing by zero.
    const range = max > min ? max - min : 1;
    const intervals = inWindow.slice(1).map((beat, k) => beat.r - (inWindow[k] as (typeof beats)[0]).r);
    const length = Math.min(KACHUEE_LENGTH, Math.round(1.2 * median(intervals)));
    for (const beat of inWindow) {
      const from = beat.r - start;
      if (from + length > raw.length) {
        skippedAtEdges++;
        continue;
      }
      const window = new Float32Array(KACHUEE_LENGTH);
      for (let i = 0; i < length; i++) window[i] = ((raw[from + i] as number) - min) / range;
      windows.push(window);
      labels.push(AAMI_CLASSES.indexOf(beat.cls));
      samples.push(beat.sample);
    }
  }
  const out = new Float32Array(windows.length * KACHUEE_LENGTH);
  windows.forEach((window, k) => out.set(window, k * KACHUEE_LENGTH));
  return {
    windows: out,
    length: KACHUEE_LENGTH,
    labels: Uint8Array.from(labels),
    samples: Float64Array.from(samples),
    skippedAtEdges,
    skippedInGaps,
    skippedWithoutInterval,
  };
}
