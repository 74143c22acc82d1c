import { badInput } from '../errors.js';
import { physicalSignal, readWfdbRecord } from '../data/wfdb/record.js';
import { resourcePath } from '../util/resources.js';

/**
 * The noises of the ECG noise stress test. Recorded ones come from the MIT-BIH Noise Stress Test Database
 * (baseline wander, muscle artifact, and electrode motion derived from 118e00 minus 118: see
 * scripts/derive-em-noise.mjs); power-line interference is synthesized, since it is a pure tone whose phase
 * varies from beat to beat with the random noise offsets.
 */
export const ECG_NOISES = {
  bw: 'baseline wander (NSTDB bw)',
  ma: 'muscle artifact (NSTDB ma)',
  em: 'electrode motion (NSTDB 118e00 - MIT-BIH 118)',
  pl50: 'power-line interference, 50 Hz',
  pl60: 'power-line interference, 60 Hz',
} as const;

export type EcgNoiseName = keyof typeof ECG_NOISES;
export const DEFAULT_ECG_NOISES: EcgNoiseName[] = ['bw', 'ma', 'em'];

export function parseNoiseNames(text: string): EcgNoiseName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = Object.keys(ECG_NOISES);
  if (names.length === 0) throw badInput(`--noises needs at least one of ${known.join(', ')}`);
  for (const name of names)
    if (!known.includes(name)) throw badInput(`unknown noise "${name}"; available: ${known.join(', ')}`);
  return [...new Set(names)] as EcgNoiseName[];
}

/** A sine of `hz` at `fs`, 60 s long, amplitude 1 mV (the stress test rescales it to each SNR). */
export function powerLineNoise(hz: number, fs: number, seconds = 60): Float32Array {
  const out = new Float32Array(Math.round(seconds * fs));
  for (let i = 0; i < out.length; i++) out[i] = Math.sin((2 * Math.PI * hz * i) / fs);
  return out;
}

/** The chosen noise signals in mV at 360 Hz (the NSTDB rate), lead 0 of the recorded ones. */
export function loadEcgNoises(names: readonly EcgNoiseName[]): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const name of names) {
    if (name === 'pl50') out[name] = powerLineNoise(50, 360);
    else if (name === 'pl60') out[name] = powerLineNoise(60, 360);
    else out[name] = physicalSignal(readWfdbRecord(resourcePath('nstdb', name)), 0);
  }
  return out;
}
