import { badInput } from '../errors.js';
import { physicalSignal, readWfdbRecord } from '../data/wfdb/record.js';
import { resourcePath } from '../util/resources.js';
import { createRng, deriveSeed } from '../engine/seed.js';

/**
 * The noises of the ECG noise stress test. Recorded ones come from the MIT-BIH Noise Stress Test Database
 * (baseline wander, muscle artifact, and electrode motion derived from 118e00 minus 118: see
 * scripts/derive-em-noise.mjs); power-line interference is synthesized, since it is a pure tone whose phase
 * varies from beat to beat with the random noise offsets; so are baseline offsets (abrupt shifts of the
 * baseline, as when an electrode's contact changes or an amplifier recovers from saturation). Amplitude scaling
 * is not added but multiplied: each beat's gain is off by the relative error that the SNR gives.
 */
export const ECG_NOISES = {
  bw: 'baseline wander (NSTDB bw)',
  ma: 'muscle artifact (NSTDB ma)',
  em: 'electrode motion (NSTDB 118e00 - MIT-BIH 118)',
  pl50: 'power-line interference, 50 Hz',
  pl60: 'power-line interference, 60 Hz',
  offset: 'baseline offset: abrupt baseline shifts every 0.2 to 2 s',
  scale: 'amplitude scaling: each beat multiplied by 1+d or 1/(1+d), d = 10^(-SNR/20)',
} as const;

/** Marks the multiplicative "noise" of the stress test: amplitude scaling (see noise-stress.ts). */
export const AMPLITUDE_SCALING = { kind: 'amplitude-scaling' } as const;
export type StressNoise = Float32Array | typeof AMPLITUDE_SCALING;

export type EcgNoiseName = keyof typeof ECG_NOISES;
export const DEFAULT_ECG_NOISES: EcgNoiseName[] = ['bw', 'ma', 'em'];

export function parseNoiseNames(text: string): EcgNoiseName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = Object.keys(ECG_NOISES);
  if (names.length === 0) throw badInput(`--noises needs at least one of ${known.join(', ')}`);
  if (names.length === 1 && names[0] === 'all') return known as EcgNoiseName[];
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

/**
 * Piecewise-constant baseline, 1 mV RMS-scale levels uniform in [-1, 1] mV, jumping to a new level after a
 * seeded random 0.2 to 2 s: a beat window either sits on one level (no stress once its mean is removed) or
 * straddles a jump, which is the realistic hazard.
 */
export function baselineOffsetNoise(fs: number, seconds = 300, seed = 1): Float32Array {
  const random = createRng(deriveSeed(seed, 'baseline-offset'));
  const out = new Float32Array(Math.round(seconds * fs));
  let i = 0;
  while (i < out.length) {
    const level = 2 * random() - 1;
    const run = Math.round((0.2 + 1.8 * random()) * fs);
    out.fill(level, i, Math.min(out.length, i + run));
    i += run;
  }
  return out;
}

/** The chosen noises: signals in mV at 360 Hz (the NSTDB rate, lead 0 of the recorded ones), or scaling. */
export function loadEcgNoises(names: readonly EcgNoiseName[]): Record<string, StressNoise> {
  const out: Record<string, StressNoise> = {};
  for (const name of names) {
    if (name === 'scale') out[name] = AMPLITUDE_SCALING;
    else if (name === 'offset') out[name] = baselineOffsetNoise(360);
    else if (name === 'pl50') out[name] = powerLineNoise(50, 360);
    else if (name === 'pl60') out[name] = powerLineNoise(60, 360);
    else out[name] = physicalSignal(readWfdbRecord(resourcePath('nstdb', name)), 0);
  }
  return out;
}
