import { badInput } from '../errors.js';

/*
 * Signal-to-noise ratio as PhysioNet's noise stress test program `nst` defines it (WFDB nst.c, which measures
 * with sigamp.c; man page nst(1), section "Signal-to-noise ratios"):
 *
 *   SNR = 10 log10(S / N)  dB,   S = A^2 / 8,   N = (a n)^2
 *
 *   A  peak-to-peak QRS amplitude of the clean lead: for each of the first 300 reference beats of the record,
 *      max - min of the samples from 50 ms before to 50 ms after the beat's annotation (both ends included:
 *      2 round(0.05 fs) + 1 samples, 37 at 360 Hz), then the trimmed mean of those measurements.
 *      Reference beats are those WFDB's map1() calls NORMAL: every beat except ventricular ectopic and fusion
 *      beats, i.e. AAMI classes N, S and Q. A^2 / 8 is the power of a sinusoid of peak-to-peak A ("correct for
 *      sinusoids, close enough for these purposes"): it ties S to the QRS size, not to the heart rate.
 *   n  RMS noise amplitude of the unscaled noise signal: the first 300 one-second chunks (round(fs) samples,
 *      whole chunks only) are each reduced to the RMS deviation from the chunk's own mean, then the trimmed
 *      mean of those values. Removing each chunk's mean discounts baseline drift slower than about 1 Hz.
 *   a  the gain applied to the noise, from solving the equation above for a:
 *      a = A / (sqrt(8) n 10^(SNR/20))   (nst.c: nsr = 10^(-SNR/20) sqrt(2) / 4, a = nsr A / n)
 *
 *   Trimmed mean (sigamp): sort the k measurements, drop floor(k / 20) at each end, average the rest.
 *
 * Differences from nst, all of which leave the ratio unchanged: nst works in ADC units (integer deviations),
 * which equals working in mV when the clean and noise records share the ADC gain (200 units/mV for both MIT-BIH
 * and the NSTDB noise records); here the arithmetic is in mV and floating point. A record without any reference
 * beat makes nst stop; here it falls back to all its beats (and says so in its RecordQrsAmplitude).
 */

export const NST_MAX_MEASUREMENTS = 300;
export const NST_QRS_HALF_WINDOW_SECONDS = 0.05;
export const NST_NOISE_CHUNK_SECONDS = 1;

/** One-line statement of the definition, for results and reports. */
export const NST_SNR_DEFINITION =
  'SNR = 10 log10(S/N), PhysioNet nst: S = A^2/8 with A the trimmed mean (5% each end) peak-to-peak amplitude ' +
  'within +-50 ms of the first 300 non-ventricular, non-fusion beats of the record; N = n^2 with n the trimmed ' +
  'mean RMS deviation from the chunk mean over the first 300 one-second chunks of the scaled noise';

/** sigamp's trimmed mean: sort, drop floor(k/20) values at each end, average the rest. */
export function nstTrimmedMean(values: ArrayLike<number>): number {
  const k = values.length;
  if (k === 0) throw badInput('no measurements to average');
  const sorted = Float64Array.from(values).sort();
  const drop = Math.floor(k / 20);
  let sum = 0;
  for (let j = drop; j < k - drop; j++) sum += sorted[j] as number;
  return sum / (k - 2 * drop);
}

/** SNR in dB of noise whose nst RMS amplitude is `noiseRms`, against QRS peak-to-peak `qrsPeakToPeak`. */
export function nstSnrDb(qrsPeakToPeak: number, noiseRms: number): number {
  return 20 * Math.log10(qrsPeakToPeak / (Math.SQRT2 * 2 * noiseRms));
}

/** Gain a to apply to noise of nst RMS amplitude `noiseRms` so that the nst SNR is `snrDb`. */
export function nstNoiseGain(qrsPeakToPeak: number, noiseRms: number, snrDb: number): number {
  if (!(qrsPeakToPeak > 0)) throw badInput(`QRS amplitude must be positive, got ${qrsPeakToPeak}`);
  if (!(noiseRms > 0)) throw badInput(`noise RMS amplitude must be positive, got ${noiseRms}`);
  if (!Number.isFinite(snrDb)) throw badInput(`SNR must be a finite number of dB, got ${snrDb}`);
  return ((10 ** (-snrDb / 20) * Math.SQRT2) / 4) * (qrsPeakToPeak / noiseRms);
}

export interface NoiseRmsEstimate {
  /** nst RMS noise amplitude n, in the units of the signal (mV). */
  rms: number;
  /** Number of one-second chunks measured (at most 300). */
  chunks: number;
}

/** nst's RMS amplitude of a noise signal sampled at `fs` Hz (see the definition at the top of this file). */
export function nstNoiseRms(noise: Float32Array, fs: number): NoiseRmsEstimate {
  if (!(fs > 0)) throw badInput(`sampling frequency must be positive, got ${fs}`);
  const chunk = Math.round(fs * NST_NOISE_CHUNK_SECONDS);
  const chunks = Math.min(NST_MAX_MEASUREMENTS, Math.floor(noise.length / chunk));
  if (chunks === 0)
    throw badInput(`the noise signal is shorter than one second (${noise.length} samples at ${fs} Hz)`);
  const amplitudes = new Float64Array(chunks);
  for (let c = 0; c < chunks; c++) {
    const from = c * chunk;
    let mean = 0;
    for (let i = from; i < from + chunk; i++) mean += noise[i] as number;
    mean /= chunk;
    let sumSquares = 0;
    for (let i = from; i < from + chunk; i++) sumSquares += ((noise[i] as number) - mean) ** 2;
    amplitudes[c] = Math.sqrt(sumSquares / chunk);
  }
  const rms = nstTrimmedMean(amplitudes);
  if (!(rms > 0)) throw badInput('the noise signal is flat: its RMS amplitude is zero');
  return { rms, chunks };
}

export interface RecordQrsAmplitude {
  record: number;
  /** nst QRS peak-to-peak amplitude A, in the units of the windows (mV). */
  peakToPeak: number;
  beatsMeasured: number;
  /** 'reference beats' as nst does; 'all beats' when the record has no reference beat. */
  measuredOn: 'reference beats' | 'all beats';
}

/**
 * nst's QRS amplitude A of every record, from beat windows whose R peak (the beat annotation) is at
 * `rPeakIndex`. Beats are taken in stored order, which is time order within a record.
 */
export function nstQrsAmplitudes(o: {
  windows: Float32Array;
  length: number;
  recordOfBeat: ArrayLike<number>;
  /** True for the beats nst measures (map1 NORMAL: AAMI N, S, Q). */
  isReferenceBeat: (beat: number) => boolean;
  rPeakIndex: number;
  fs: number;
}): Map<number, RecordQrsAmplitude> {
  const { windows, length, recordOfBeat, rPeakIndex } = o;
  const n = checkWindows(windows, length, recordOfBeat);
  if (!(o.fs > 0)) throw badInput(`sampling frequency must be positive, got ${o.fs}`);
  const half = Math.round(o.fs * NST_QRS_HALF_WINDOW_SECONDS);
  if (!Number.isInteger(rPeakIndex) || rPeakIndex - half < 0 || rPeakIndex + half >= length) {
    throw badInput(
      `the QRS amplitude window (R peak at ${rPeakIndex} +-${half} samples) does not fit in beat windows of ${length}`,
    );
  }
  const peakToPeak = (beat: number): number => {
    let min = Infinity;
    let max = -Infinity;
    const from = beat * length + rPeakIndex - half;
    for (let i = from; i <= from + 2 * half; i++) {
      const v = windows[i] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return max - min;
  };

  const reference = new Map<number, number[]>();
  const any = new Map<number, number[]>();
  for (let beat = 0; beat < n; beat++) {
    const record = recordOfBeat[beat] as number;
    const all = any.get(record) ?? [];
    any.set(record, all);
    if (all.length < NST_MAX_MEASUREMENTS) all.push(peakToPeak(beat));
    if (o.isReferenceBeat(beat)) {
      const ref = reference.get(record) ?? [];
      reference.set(record, ref);
      if (ref.length < NST_MAX_MEASUREMENTS) ref.push(peakToPeak(beat));
    }
  }
  const out = new Map<number, RecordQrsAmplitude>();
  for (const [record, all] of any) {
    const ref = reference.get(record);
    const measurements = ref !== undefined && ref.length > 0 ? ref : all;
    const amplitude = nstTrimmedMean(measurements);
    if (!(amplitude > 0)) throw badInput(`record ${record}: the QRS amplitude is zero, so no SNR can be set`);
    out.set(record, {
      record,
      peakToPeak: amplitude,
      beatsMeasured: measurements.length,
      measuredOn: measurements === ref ? 'reference beats' : 'all beats',
    });
  }
  return out;
}

export function checkWindows(windows: Float32Array, length: number, recordOfBeat: ArrayLike<number>): number {
  if (!Number.isInteger(length) || length < 1)
    throw badInput(`window length must be a positive integer, got ${length}`);
  if (windows.length % length !== 0)
    throw badInput(`${windows.length} samples do not divide into windows of ${length}`);
  const n = windows.length / length;
  if (recordOfBeat.length !== n)
    throw badInput(`${n} beat windows but ${recordOfBeat.length} record indices`);
  return n;
}
