/**
 * Resamples a signal from `fromFs` to `toFs` by linear interpolation between neighbouring samples. When
 * downsampling, a centred moving average as wide as the rate ratio (rounded to an odd width, so it adds no
 * delay) first takes off most of what would alias; it is a mild low-pass, not a designed anti-aliasing filter.
 * Output sample j lies at source time j * fromFs / toFs; the output stops at the last source sample.
 */
export function resampleLinear(signal: Float32Array, fromFs: number, toFs: number): Float32Array {
  if (!(fromFs > 0) || !(toFs > 0))
    throw new RangeError(`sampling rates must be positive (${fromFs}, ${toFs})`);
  if (fromFs === toFs || signal.length === 0) return signal;
  const ratio = fromFs / toFs;
  const source = ratio > 1.5 ? movingAverage(signal, 2 * Math.floor(ratio / 2) + 1) : signal;
  const outLength = Math.floor(((source.length - 1) * toFs) / fromFs) + 1;
  const out = new Float32Array(outLength);
  for (let j = 0; j < outLength; j++) {
    const t = (j * fromFs) / toFs;
    const i = Math.floor(t);
    const frac = t - i;
    const a = source[i]!;
    out[j] = i + 1 < source.length ? a + (source[i + 1]! - a) * frac : a;
  }
  return out;
}

/** Centred moving average of odd width; at the edges it averages the samples that exist. */
function movingAverage(signal: Float32Array, width: number): Float32Array {
  const half = (width - 1) / 2;
  const n = signal.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + signal[i]!;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half + 1);
    out[i] = (prefix[hi]! - prefix[lo]!) / (hi - lo);
  }
  return out;
}
