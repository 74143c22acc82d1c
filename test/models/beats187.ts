import { readFileSync } from 'node:fs';

export const BEAT_LENGTH = 187;

/**
 * 128 real MIT-BIH beats (record 119, MLII, 64 N and 64 V) of 187 samples, each standardised (zero mean, unit
 * variance) as the training pipeline does, with labels 0 = N, 1 = V.
 */
export function loadBeats187(): { values: Float32Array; labels: Uint8Array } {
  const fixtures = new URL('../../../test/fixtures/models/', import.meta.url);
  const raw = readFileSync(new URL('mitdb-119-mlii-beats187.i16', fixtures));
  const labels = new Uint8Array(readFileSync(new URL('mitdb-119-labels187.u8', fixtures)));
  const samples = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (samples.length !== labels.length * BEAT_LENGTH) throw new Error('beat fixture and labels disagree');
  const values = new Float32Array(samples.length);
  for (let beat = 0; beat < labels.length; beat++) {
    const window = samples.subarray(beat * BEAT_LENGTH, (beat + 1) * BEAT_LENGTH);
    const mean = window.reduce((a, b) => a + b, 0) / BEAT_LENGTH;
    const sd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / BEAT_LENGTH) || 1;
    window.forEach((v, i) => (values[beat * BEAT_LENGTH + i] = (v - mean) / sd));
  }
  return { values, labels };
}
