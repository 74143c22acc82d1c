/*
 * R-R interval context of each beat, the features that carry most of what tells a premature supraventricular
 * beat (S) from a normal one across patients, since their shapes are often alike (de Chazal, O'Dwyer and
 * Reilly, IEEE TBME 2004; Mondejar-Guerra et al., BSPC 2019): the interval to the previous beat, to the next
 * beat, the local average around the beat, and each of the three divided by the record's mean R-R interval,
 * which removes the patient's own heart rate; then the prematurity against the local rhythm (previous over
 * local mean) and the pause after the beat (next over previous), ratios a small dense layer cannot form itself
 * and that stay meaningful where the rhythm is irregular throughout (atrial fibrillation).
 */

/** The names of the features, in the order they follow the waveform in each model input. */
export const RR_FEATURE_NAMES = [
  'pre-RR (s)',
  'post-RR (s)',
  'local mean RR (s)',
  'pre-RR / record mean RR',
  'post-RR / record mean RR',
  'local mean RR / record mean RR',
  'pre-RR / local mean RR',
  'post-RR / pre-RR',
] as const;

export const RR_FEATURE_COUNT = RR_FEATURE_NAMES.length;

/** The first features, the intervals in seconds: the patient's heart rate more than the beat's timing. */
export const RR_SECONDS_FEATURES = 3;

/** Beats on each side of a beat whose intervals make its local average (10 intervals inside a record). */
export const LOCAL_BEATS = 5;

/**
 * R-R features of the beats at `kept` (sample indices, as returned by segmentation), computed over `allBeats`,
 * the sample index of every beat annotation of the record (beats left out of the dataset, at the edges or of a
 * class not used, still count as neighbours: the heart beat there). Intervals are in seconds at `fs`.
 * The first beat has no previous interval and takes its next one; the last beat takes its previous one; the
 * local average is the mean interval from LOCAL_BEATS beats before to LOCAL_BEATS beats after (clipped to the
 * record). A record with a single beat has no interval: its features are 0.
 * Returns kept.length rows of RR_FEATURE_COUNT values.
 */
export function rrFeatures(allBeats: ArrayLike<number>, fs: number, kept: ArrayLike<number>): Float32Array {
  const sorted = Float64Array.from(allBeats).sort();
  const n = sorted.length;
  const out = new Float32Array(kept.length * RR_FEATURE_COUNT);
  if (n < 2) return out;
  const meanRr = (sorted[n - 1]! - sorted[0]!) / (n - 1) / fs;
  const indexOf = new Map<number, number>();
  sorted.forEach((sample, i) => indexOf.set(sample, i));
  for (let k = 0; k < kept.length; k++) {
    const i = indexOf.get(kept[k] as number);
    if (i === undefined) throw new RangeError(`beat at sample ${kept[k]} is not among the record's beats`);
    const pre = i > 0 ? (sorted[i]! - sorted[i - 1]!) / fs : (sorted[i + 1]! - sorted[i]!) / fs;
    const post = i < n - 1 ? (sorted[i + 1]! - sorted[i]!) / fs : pre;
    const from = Math.max(0, i - LOCAL_BEATS);
    const to = Math.min(n - 1, i + LOCAL_BEATS);
    const local = (sorted[to]! - sorted[from]!) / (to - from) / fs;
    out.set(
      [pre, post, local, pre / meanRr, post / meanRr, local / meanRr, pre / local, post / pre],
      k * RR_FEATURE_COUNT,
    );
  }
  return out;
}
