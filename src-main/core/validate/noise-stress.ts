import type { tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import { classificationMetrics } from '../metrics/metrics.js';
import {
  checkWindows,
  nstNoiseGain,
  nstNoiseRms,
  nstQrsAmplitudes,
  NST_SNR_DEFINITION,
  type RecordQrsAmplitude,
} from './nst-snr.js';
import { predictClassesSteps } from '../predict/predict.js';
import { seededRandom } from '../engine/seed.js';
import { runSteps, runStepsAsync, type Steps } from '../jobs/steps.js';
import type { StressNoise } from './ecg-noises.js';

/** The SNRs of the issue, in dB (nst definition): from barely visible noise to noise twice the QRS size. */
export const DEFAULT_NOISE_SNRS_DB = [24, 18, 12, 6, 0, -6];

/** AAMI classes whose beats nst measures the QRS amplitude on (WFDB map1 NORMAL: not ventricular, not fusion). */
const NST_REFERENCE_AAMI_CLASSES = ['N', 'S', 'Q'];

/** Start of the noise segment added to each beat: uniform over the noise signal, from a seeded generator. */
export function noiseOffsets(
  beats: number,
  noiseLength: number,
  length: number,
  random: () => number,
): Int32Array {
  if (noiseLength < length) {
    throw badInput(`the noise signal (${noiseLength} samples) is shorter than one beat window (${length})`);
  }
  const span = noiseLength - length + 1;
  return Int32Array.from({ length: beats }, () => Math.min(span - 1, Math.floor(random() * span)));
}

/**
 * Adds to each beat window the noise segment that starts at its offset, scaled by its record's nst gain so that
 * the record's SNR (nst definition, see nst-snr.ts) is `snrDb`. Each segment's own mean is removed first:
 * nst cancels the noise's level with offsets when noise starts, and a window-wide step carries no stress for a
 * beat model, only a shift that per-beat standardization removes anyway.
 * Returns new windows; the input is not modified.
 */
export function addNoiseAtSnr(o: {
  windows: Float32Array;
  length: number;
  recordOfBeat: ArrayLike<number>;
  /** Noise signal in the units of the windows (mV), at the windows' sampling frequency. */
  noise: Float32Array;
  /** nstNoiseRms(noise, fs).rms */
  noiseRms: number;
  /** nstQrsAmplitudes(...) of these windows. */
  qrsAmplitudes: ReadonlyMap<number, RecordQrsAmplitude>;
  snrDb: number;
  /** noiseOffsets(...): where each beat's noise segment starts. */
  offsets: Int32Array;
}): { windows: Float32Array; gainOfRecord: Map<number, number> } {
  const { windows, length, recordOfBeat, noise, offsets } = o;
  const n = checkWindows(windows, length, recordOfBeat);
  if (offsets.length !== n) throw badInput(`${n} beat windows but ${offsets.length} noise offsets`);
  const gainOfRecord = new Map<number, number>();
  const out = new Float32Array(windows.length);
  for (let beat = 0; beat < n; beat++) {
    const record = recordOfBeat[beat] as number;
    let gain = gainOfRecord.get(record);
    if (gain === undefined) {
      const amplitude = o.qrsAmplitudes.get(record);
      if (amplitude === undefined) throw badInput(`no QRS amplitude for record ${record}`);
      gain = nstNoiseGain(amplitude.peakToPeak, o.noiseRms, o.snrDb);
      gainOfRecord.set(record, gain);
    }
    const start = offsets[beat] as number;
    if (!Number.isInteger(start) || start < 0 || start + length > noise.length) {
      throw badInput(
        `noise offset ${start} of beat ${beat} runs past the noise signal (${noise.length} samples)`,
      );
    }
    let mean = 0;
    for (let i = 0; i < length; i++) mean += noise[start + i] as number;
    mean /= length;
    const base = beat * length;
    for (let i = 0; i < length; i++) {
      out[base + i] = (windows[base + i] as number) + gain * ((noise[start + i] as number) - mean);
    }
  }
  return { windows: out, gainOfRecord };
}

export interface NoiseStressPoint {
  snrDb: number;
  accuracy: number;
  macroF1: number;
  /** Sensitivity of each class at this SNR (null where the class has no beat): the curves per class. */
  sensitivity: Record<string, number | null>;
}

/**
 * Multiplies each beat window by 1 + d or 1 / (1 + d) (up or down at random per beat, seeded), d = 10^(-SNR/20):
 * the error signal (k - 1) x is then d (or d / (1 + d)) times the beat, the amplitude-ratio reading of the SNR.
 * A model that standardizes each beat is invariant to it by design; the curve shows whether that holds.
 */
export function scaleAtSnr(
  windows: Float32Array,
  length: number,
  up: Uint8Array,
  snrDb: number,
): Float32Array {
  const d = 10 ** (-snrDb / 20);
  const out = new Float32Array(windows.length);
  for (let beat = 0; beat < up.length; beat++) {
    const gain = up[beat] === 1 ? 1 + d : 1 / (1 + d);
    for (let i = beat * length; i < (beat + 1) * length; i++) out[i] = (windows[i] as number) * gain;
  }
  return out;
}

export interface NoiseStressCurve {
  noise: string;
  /** 'additive' noise scaled to each SNR (nst definition), or multiplicative amplitude scaling. */
  kind?: 'additive' | 'amplitude-scaling';
  /** nst RMS amplitude of the unscaled noise signal, mV (0 for amplitude scaling). */
  noiseRms: number;
  noiseChunks: number;
  points: NoiseStressPoint[];
}

export interface NoiseStressResult {
  snrDefinition: string;
  seed: number;
  fs: number;
  clean: Omit<NoiseStressPoint, 'snrDb'>;
  noises: NoiseStressCurve[];
  /** QRS amplitude A of each record; the gain at SNR s is nstNoiseGain(A, noiseRms, s). */
  records: RecordQrsAmplitude[];
}

export interface NoiseStressOptions {
  model: tfl.LayersModel;
  /** Raw beat windows in mV, back to back. */
  windows: Float32Array;
  length: number;
  labels: ArrayLike<number>;
  /** Class names, index = label (e.g. ['N', 'S', 'V', 'F', 'Q']). */
  classes: string[];
  recordOfBeat: ArrayLike<number>;
  /** Noise signals in mV by name, e.g. { bw, ma } from the NSTDB records (signal 0 for lead MLII), or
   * AMPLITUDE_SCALING. */
  noises: Record<string, StressNoise>;
  snrs?: number[];
  /** Raw windows to model inputs (e.g. per-beat standardization). */
  preprocess: (raw: Float32Array) => Float32Array;
  /** Per-sample model input shape; default [length, 1]. */
  sampleShape?: number[];
  /** Seed of the noise segment offsets; the same offsets serve every SNR, so curves differ only by the gain. */
  seed?: number;
  /** Sampling frequency of the beats, Hz; default 360. */
  fs?: number;
  /** Sampling frequency of the noise signals, Hz; default 360 (NSTDB). */
  noiseFs?: number;
  /** Index of the R peak in each window; default floor(length * 90 / 187) as the importer places it. */
  rPeakIndex?: number;
  /** Classes whose beats set the QRS amplitude; default the AAMI N, S and Q classes if named so, else all. */
  referenceClasses?: number[];
  batchSize?: number;
}

/**
 * ECG noise stress: accuracy and macro-F1 of the model with real noise added at each SNR (nst definition),
 * for each noise type, plus the clean figures. The model is a softmax classifier over `classes`.
 */
export function noiseStressSuite(o: NoiseStressOptions): NoiseStressResult {
  return runSteps(noiseStressSteps(o));
}

/** noiseStressSuite that reports progress and can be cancelled between batches. */
export function noiseStressSuiteAsync(
  o: NoiseStressOptions,
  context?: JobContext,
): Promise<NoiseStressResult> {
  return runStepsAsync(noiseStressSteps(o), context);
}

export function* noiseStressSteps(o: NoiseStressOptions): Steps<NoiseStressResult> {
  const { windows, length, labels, classes, recordOfBeat } = o;
  const n = checkWindows(windows, length, recordOfBeat);
  if (n === 0) throw badInput('no beats to stress');
  if (labels.length !== n) throw badInput(`${n} beat windows but ${labels.length} labels`);
  const snrs = o.snrs ?? DEFAULT_NOISE_SNRS_DB;
  if (snrs.length === 0 || !snrs.every(Number.isFinite))
    throw badInput('SNRs must be a non-empty list of dB values');
  const noiseNames = Object.keys(o.noises);
  if (noiseNames.length === 0) throw badInput('the noise stress test needs at least one noise signal');
  const fs = o.fs ?? 360;
  const noiseFs = o.noiseFs ?? 360;
  // nst uses the noise record as it is when the rates differ by less than 10%, and resamples it otherwise.
  if (!(fs > 0) || !(noiseFs > 0) || noiseFs < 0.9 * fs || noiseFs > 1.1 * fs) {
    throw badInput(
      `the noise is sampled at ${noiseFs} Hz and the beats at ${fs} Hz: resample one to the other first`,
    );
  }
  const seed = o.seed ?? 1;
  const sampleShape = o.sampleShape ?? [length, 1];
  const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  const referenceClasses = new Set(o.referenceClasses ?? defaultReferenceClasses(classes));
  const qrsAmplitudes = nstQrsAmplitudes({
    windows,
    length,
    recordOfBeat,
    isReferenceBeat: (beat) => referenceClasses.has(labels[beat] as number),
    rPeakIndex: o.rPeakIndex ?? Math.floor((length * 90) / 187),
    fs,
  });

  const steps = 1 + noiseNames.length * snrs.length;
  let step = 0;
  type Score = Omit<NoiseStressPoint, 'snrDb'>;
  function* score(raw: Float32Array, what: string): Steps<Score> {
    const inputs = o.preprocess(raw);
    if (inputs.length !== n * sampleSize) {
      throw badInput(
        `preprocess returned ${inputs.length} values for ${n} beats of shape [${sampleShape.join(', ')}]`,
      );
    }
    const predicted = yield* predictClassesSteps(o.model, inputs, sampleShape, o.batchSize);
    step++;
    yield { fraction: step / steps, message: `noise stress: ${what} done` };
    const metrics = classificationMetrics(labels, predicted, classes);
    return {
      accuracy: metrics.accuracy,
      macroF1: metrics.macroF1,
      sensitivity: Object.fromEntries(metrics.perClass.map((c) => [c.label, c.sensitivity])),
    };
  }

  const clean = yield* score(windows, 'clean');
  const curves: NoiseStressCurve[] = [];
  for (const name of noiseNames) {
    const noise = o.noises[name] as StressNoise;
    if (!(noise instanceof Float32Array)) {
      const random = seededRandom(seed);
      const up = Uint8Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      const points: NoiseStressPoint[] = [];
      for (const snrDb of snrs)
        points.push({
          snrDb,
          ...(yield* score(scaleAtSnr(windows, length, up, snrDb), `${name} at ${snrDb} dB`)),
        });
      curves.push({ noise: name, kind: 'amplitude-scaling', noiseRms: 0, noiseChunks: 0, points });
      continue;
    }
    const { rms, chunks } = nstNoiseRms(noise, noiseFs);
    const offsets = noiseOffsets(n, noise.length, length, seededRandom(seed));
    const points: NoiseStressPoint[] = [];
    for (const snrDb of snrs) {
      const noisy = addNoiseAtSnr({
        windows,
        length,
        recordOfBeat,
        noise,
        noiseRms: rms,
        qrsAmplitudes,
        snrDb,
        offsets,
      });
      points.push({ snrDb, ...(yield* score(noisy.windows, `${name} at ${snrDb} dB`)) });
    }
    curves.push({ noise: name, kind: 'additive', noiseRms: rms, noiseChunks: chunks, points });
  }
  return {
    snrDefinition: NST_SNR_DEFINITION,
    seed,
    fs,
    clean,
    noises: curves,
    records: [...qrsAmplitudes.values()],
  };
}

function defaultReferenceClasses(classes: string[]): number[] {
  const named = classes.flatMap((name, index) => (NST_REFERENCE_AAMI_CLASSES.includes(name) ? [index] : []));
  return named.length > 0 ? named : classes.map((_, index) => index);
}
