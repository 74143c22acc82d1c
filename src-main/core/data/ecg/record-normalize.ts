import { RR_FEATURE_COUNT } from './rr-features.js';

/** Added to a record's scale so that a flat record (lead off throughout) does not divide by 0. */
const EPSILON = 1e-6;

/**
 * Per-record amplitude scale: the median, over the record's beats, of each beat window's standard deviation.
 * Unlike standardizing every beat on its own, dividing all beats of a record by one number removes the gain of
 * the lead and patient while keeping what sets a ventricular beat apart: it is larger than the patient's normal
 * beats. The median keeps a few noisy or ectopic beats from setting the scale.
 */
export function recordScales(
  windows: Float32Array,
  length: number,
  recordOfBeat: ArrayLike<number>,
): Map<number, number> {
  const spreads = new Map<number, number[]>();
  for (let beat = 0; beat < recordOfBeat.length; beat++) {
    const base = beat * length;
    let sum = 0;
    for (let i = 0; i < length; i++) sum += windows[base + i]!;
    const mean = sum / length;
    let squares = 0;
    for (let i = 0; i < length; i++) squares += (windows[base + i]! - mean) ** 2;
    const record = recordOfBeat[beat] as number;
    const list = spreads.get(record) ?? [];
    list.push(Math.sqrt(squares / length));
    spreads.set(record, list);
  }
  const scales = new Map<number, number>();
  for (const [record, list] of spreads) {
    list.sort((a, b) => a - b);
    const middle = Math.floor(list.length / 2);
    const median = list.length % 2 === 1 ? list[middle]! : (list[middle - 1]! + list[middle]!) / 2;
    scales.set(record, median + EPSILON);
  }
  return scales;
}

/**
 * Model inputs of the 'record-normalized-rr' preset: each beat window minus its own mean (the baseline),
 * divided by its record's scale, followed by the beat's RR_FEATURE_COUNT R-R features. Each sample is
 * length + RR_FEATURE_COUNT values; `rr` holds the beats' features back to back.
 */
export function recordNormalizedRrInputs(
  windows: Float32Array,
  length: number,
  recordOfBeat: ArrayLike<number>,
  rr: Float32Array,
  scales: ReadonlyMap<number, number> = recordScales(windows, length, recordOfBeat),
): Float32Array {
  const n = recordOfBeat.length;
  if (windows.length !== n * length || rr.length !== n * RR_FEATURE_COUNT)
    throw new RangeError(
      `recordNormalizedRrInputs: ${n} beats, ${windows.length} window values, ${rr.length} R-R values`,
    );
  const size = length + RR_FEATURE_COUNT;
  const out = new Float32Array(n * size);
  for (let beat = 0; beat < n; beat++) {
    const base = beat * length;
    let sum = 0;
    for (let i = 0; i < length; i++) sum += windows[base + i]!;
    const mean = sum / length;
    const scale = scales.get(recordOfBeat[beat] as number);
    if (scale === undefined) throw new RangeError(`no scale for record ${recordOfBeat[beat]}`);
    for (let i = 0; i < length; i++) out[beat * size + i] = (windows[base + i]! - mean) / scale;
    out.set(rr.subarray(beat * RR_FEATURE_COUNT, (beat + 1) * RR_FEATURE_COUNT), beat * size + length);
  }
  return out;
}
