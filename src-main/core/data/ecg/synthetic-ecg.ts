import { badInput } from '../../errors.js';
import { createRng, deriveSeed, gaussian as normalDraw } from '../../engine/seed.js';

/**
 * Synthetic single-lead ECG in the style of ECGSYN (McSharry et al. 2003): the signal is a sum of Gaussian waves
 * P, Q, R, S, T placed at fixed phases around each R peak, z(theta) = sum_i a_i exp(-(theta - theta_i)^2 /
 * (2 b_i^2)); the QRS keeps its duration at any rate while P and T stretch with sqrt(RR), as in ECGSYN (the QT
 * interval shortens with the heart rate). Class-specific morphologies follow the AAMI classes: N normal; S
 * premature with an abnormal P wave and a normal QRS; V premature with no P wave, a wide tall QRS and an
 * inverted T wave, followed by a compensatory pause; F a fusion halfway between N and V. Each seed is one
 * synthetic patient. For fast tests and a demo without patient data, never for clinical claims.
 */

interface Wave {
  /** Phase of the wave's peak, radians (R at 0). */
  theta: number;
  /** Amplitude, mV. */
  a: number;
  /** Width, radians. */
  b: number;
}

type Morphology = [Wave, Wave, Wave, Wave, Wave]; // P Q R S T

const NORMAL: Morphology = [
  { theta: -Math.PI / 3, a: 0.15, b: 0.25 },
  { theta: -Math.PI / 12, a: -0.12, b: 0.1 },
  { theta: 0, a: 1.2, b: 0.1 },
  { theta: Math.PI / 12, a: -0.25, b: 0.1 },
  { theta: Math.PI / 2, a: 0.3, b: 0.4 },
];

const SUPRAVENTRICULAR: Morphology = [
  { theta: -Math.PI / 4, a: -0.1, b: 0.18 }, // early, inverted P: an ectopic atrial focus
  NORMAL[1],
  NORMAL[2],
  NORMAL[3],
  NORMAL[4],
];

const VENTRICULAR: Morphology = [
  { theta: -Math.PI / 3, a: 0, b: 0.25 }, // no P wave
  { theta: -Math.PI / 8, a: -0.3, b: 0.22 },
  { theta: 0, a: 1.8, b: 0.28 }, // wide, tall QRS
  { theta: Math.PI / 7, a: -0.6, b: 0.25 },
  { theta: Math.PI / 2, a: -0.45, b: 0.45 }, // T opposite to the QRS
];

function blend(a: Morphology, b: Morphology, t: number): Morphology {
  return a.map((wave, i) => {
    const other = b[i] as Wave;
    return {
      theta: wave.theta + t * (other.theta - wave.theta),
      a: wave.a + t * (other.a - wave.a),
      b: wave.b + t * (other.b - wave.b),
    };
  }) as Morphology;
}

export const SYNTHETIC_CLASSES = ['N', 'S', 'V', 'F'] as const;
export type SyntheticClass = (typeof SYNTHETIC_CLASSES)[number];

/** MIT-BIH symbols of the annotations written for each class (they map back to the same AAMI class). */
const SYMBOL: Record<SyntheticClass, string> = { N: 'N', S: 'A', V: 'V', F: 'F' };

const MORPHOLOGY: Record<SyntheticClass, Morphology> = {
  N: NORMAL,
  S: SUPRAVENTRICULAR,
  V: VENTRICULAR,
  F: blend(NORMAL, VENTRICULAR, 0.5),
};

/** RR of the beat relative to the current normal RR: premature beats come early. */
const PREMATURITY: Record<SyntheticClass, number> = { N: 1, S: 0.7, V: 0.65, F: 0.85 };

export interface SyntheticEcgOptions {
  seconds: number;
  fs?: number;
  /** Mean heart rate, beats per minute. */
  heartRate?: number;
  /** Probability of each class per beat; the rest are N. */
  ectopy?: Partial<Record<Exclude<SyntheticClass, 'N'>, number>>;
  /** Standard deviation of white measurement noise, mV. */
  noise?: number;
  seed: number;
}

export interface SyntheticEcg {
  fs: number;
  signal: Float32Array;
  /** R-peak sample and MIT-BIH symbol of every beat. */
  beats: { sample: number; symbol: string }[];
}

/** Generates one synthetic record (see the file comment). Deterministic for a seed. */
export function synthesizeEcg(o: SyntheticEcgOptions): SyntheticEcg {
  const fs = o.fs ?? 360;
  const rate = o.heartRate ?? 72;
  if (!(o.seconds >= 2 && o.seconds <= 86_400))
    throw badInput(`seconds must be between 2 and 86400, got ${o.seconds}`);
  if (!(fs >= 50 && fs <= 10_000)) throw badInput(`fs must be between 50 and 10000 Hz, got ${fs}`);
  if (!(rate >= 30 && rate <= 200)) throw badInput(`heart rate must be between 30 and 200 bpm, got ${rate}`);
  const ectopy = { S: 0.1, V: 0.1, F: 0.05, ...o.ectopy };
  const ectopyTotal = ectopy.S + ectopy.V + ectopy.F;
  if (Object.values(ectopy).some((p) => !(p >= 0)) || ectopyTotal > 0.9)
    throw badInput('ectopic beat probabilities must be >= 0 and sum to at most 0.9');
  const random = createRng(deriveSeed(o.seed, 'synthetic-ecg'));
  const gaussian = (): number => normalDraw(random);
  const n = Math.round(o.seconds * fs);
  const signal = new Float32Array(n);
  const beats: SyntheticEcg['beats'] = [];
  const meanRr = 60 / rate;
  // Respiratory sinus arrhythmia and a slow drift of the rate, as ECGSYN's RR process has (simplified).
  const respiration = 0.25 + 0.05 * random();
  // Each seed is one "patient": wave amplitudes and widths vary by up to 15% between patients, so that a split
  // by record tests generalization to new patients as it does on real recordings.
  const patient = (m: Morphology): Morphology =>
    m.map((w) => ({
      theta: w.theta,
      a: w.a * (0.85 + 0.3 * random()),
      b: w.b * (0.9 + 0.2 * random()),
    })) as Morphology;
  const morphologies: Record<SyntheticClass, Morphology> = {
    N: patient(MORPHOLOGY.N),
    S: patient(MORPHOLOGY.S),
    V: patient(MORPHOLOGY.V),
    F: patient(MORPHOLOGY.F),
  };
  let t = 0.5 * meanRr; // the first beat comes mid-cycle
  let previous: SyntheticClass = 'N';
  let first = true;
  while (t < o.seconds) {
    const u = random();
    const cls: SyntheticClass = first
      ? 'N'
      : u < ectopy.S
        ? 'S'
        : u < ectopy.S + ectopy.V
          ? 'V'
          : u < ectopyTotal
            ? 'F'
            : 'N';
    const sinus = meanRr * (1 + 0.05 * Math.sin(2 * Math.PI * respiration * t) + 0.02 * gaussian());
    // A premature beat comes early after the one before it; a ventricular one is followed by a compensatory
    // pause, so that the two intervals around it add up to about two sinus cycles.
    const rr = first ? sinus : sinus * PREMATURITY[cls] * (previous === 'V' ? 2 - PREMATURITY.V : 1);
    if (!first) t += rr;
    first = false;
    previous = cls;
    if (t >= o.seconds + 0.5) break;
    const rPeak = t;
    const morphology = morphologies[cls];
    const scale = 1 + 0.05 * gaussian();
    // Phase per second: the QRS keeps its duration at any rate; P and T stretch with sqrt(RR) as in ECGSYN.
    const qrsScale = (2 * Math.PI) / meanRr;
    const ptScale = (2 * Math.PI) / (meanRr * Math.sqrt(rr / meanRr));
    const from = Math.max(0, Math.floor((rPeak - 0.6 * meanRr) * fs));
    const to = Math.min(n, Math.ceil((rPeak + 0.6 * meanRr) * fs));
    for (let i = from; i < to; i++) {
      const dt = i / fs - rPeak;
      let z = 0;
      morphology.forEach((wave, k) => {
        const d = dt * (k === 0 || k === 4 ? ptScale : qrsScale) - wave.theta;
        z += wave.a * Math.exp(-(d * d) / (2 * wave.b * wave.b));
      });
      signal[i] = (signal[i] as number) + scale * z;
    }
    const sample = Math.round(rPeak * fs);
    if (sample < n) beats.push({ sample, symbol: SYMBOL[cls] });
  }
  const wander = 0.1 + 0.05 * random();
  const noise = o.noise ?? 0.01;
  for (let i = 0; i < n; i++) {
    signal[i] = (signal[i] as number) + wander * Math.sin(2 * Math.PI * 0.2 * (i / fs)) + noise * gaussian();
  }
  return { fs, signal, beats };
}
