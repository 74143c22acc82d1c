/** Added to the standard deviation so that a flat window (a lead off, a saturated stretch) does not divide by 0. */
const EPSILON = 1e-6;

/**
 * The model input: each window standardized on its own (subtract its mean, divide by its population standard
 * deviation + 1e-6), which removes the lead's gain and baseline so that records and noise levels compare.
 * Returns a new array; `windows` holds n windows of `length` samples one after the other.
 */
export function standardizeBeats(windows: Float32Array, length: number): Float32Array {
  if (!Number.isInteger(length) || length < 1 || windows.length % length !== 0)
    throw new RangeError(`standardizeBeats: ${windows.length} values are not whole windows of ${length}`);
  const out = new Float32Array(windows.length);
  for (let start = 0; start < windows.length; start += length) {
    let sum = 0;
    for (let i = start; i < start + length; i++) sum += windows[i]!;
    const mean = sum / length;
    let squares = 0;
    for (let i = start; i < start + length; i++) {
      const d = windows[i]! - mean;
      squares += d * d;
    }
    const scale = 1 / (Math.sqrt(squares / length) + EPSILON);
    for (let i = start; i < start + length; i++) out[i] = (windows[i]! - mean) * scale;
  }
  return out;
}
