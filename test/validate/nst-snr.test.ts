import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { AttestError } from '../../src-main/core/errors.js';
import {
  nstNoiseGain,
  nstNoiseRms,
  nstQrsAmplitudes,
  nstSnrDb,
  nstTrimmedMean,
} from '../../src-main/core/validate/nst-snr.js';
import { addNoiseAtSnr, noiseOffsets } from '../../src-main/core/validate/noise-stress.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import {
  BEAT_LENGTH,
  gaussianNoise,
  loadNoise,
  loadRecord118,
  MITDB_118_R_INDEX,
  MITDB_118_WINDOW,
  R_INDEX,
  syntheticBeat,
} from './fixtures.js';
import { missingReference, PYTHON, pythonMissing, SHARED_DATA, sharedPresent } from '../helpers/reference.js';

const FS = 360;
const SNRS = [24, 18, 12, 6, 0, -6];

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`,
  );

test('trimmed mean drops floor(k/20) values at each end, as sigamp does', () => {
  // 20 values: drop 1 at each end -> mean of 2..19.
  assert.equal(nstTrimmedMean(Array.from({ length: 20 }, (_, i) => 20 - i)), 10.5);
  // 19 values: floor(19/20) = 0, nothing dropped, so an outlier counts.
  assert.equal(nstTrimmedMean([...Array.from({ length: 18 }, () => 1), 39]), 3);
  // 40 values with two outliers at each end: 2 dropped each side -> only the ones remain.
  assert.equal(nstTrimmedMean([-100, -100, ...Array.from({ length: 36 }, () => 1), 100, 100]), 1);
});

test('gain and SNR follow nst.c: a = 10^(-SNR/20) sqrt(2)/4 A/n, SNR = 10 log10((A^2/8) / (a n)^2)', () => {
  // A sinusoid of peak-to-peak 2 (amplitude 1) has power 1/2 = A^2/8; against noise of power 1/2 the SNR is 0 dB.
  close(nstSnrDb(2, Math.SQRT1_2), 0, 1e-12, 'sinusoid against equal power');
  close(nstSnrDb(2, Math.SQRT1_2 / 10), 20, 1e-12, 'ten times less noise amplitude');
  for (const snr of SNRS) {
    const gain = nstNoiseGain(1.7, 0.04, snr);
    close(nstSnrDb(1.7, gain * 0.04), snr, 1e-9, `round trip at ${snr} dB`);
    close(gain, (10 ** (-snr / 20) * Math.SQRT2 * 1.7) / (4 * 0.04), 1e-12, `nst.c gain at ${snr} dB`);
  }
  assert.throws(
    () => nstNoiseGain(0, 1, 0),
    (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT',
  );
  assert.throws(() => nstNoiseGain(1, 0, 0), /noise RMS amplitude must be positive/);
});

test('QRS amplitude: first 300 non-ventricular beats per record, +-50 ms around R, trimmed mean', () => {
  // Record 7: 400 beats; every third beat is ventricular with a larger QRS (must be ignored); the reference beats
  // after the 300th have a smaller QRS (must be ignored too). Record 9: only ventricular beats (falls back to all).
  const beats: { record: number; amplitude: number; label: number }[] = [];
  let reference = 0;
  for (let i = 0; i < 450; i++) {
    if (i % 3 === 2) beats.push({ record: 7, amplitude: 2.5, label: 2 });
    else beats.push({ record: 7, amplitude: reference++ < 300 ? 1.2 : 0.4, label: 0 });
  }
  for (let i = 0; i < 10; i++) beats.push({ record: 9, amplitude: 0.8, label: 2 });
  const windows = new Float32Array(beats.length * BEAT_LENGTH);
  beats.forEach((b, i) => windows.set(syntheticBeat(b.amplitude, b.label === 2), i * BEAT_LENGTH));
  const amplitudes = nstQrsAmplitudes({
    windows,
    length: BEAT_LENGTH,
    recordOfBeat: beats.map((b) => b.record),
    isReferenceBeat: (beat) => beats[beat]?.label !== 2,
    rPeakIndex: R_INDEX,
    fs: FS,
  });
  const seven = amplitudes.get(7);
  close(seven?.peakToPeak ?? NaN, 1.2, 1e-6, 'record 7');
  assert.equal(seven?.beatsMeasured, 300);
  assert.equal(seven?.measuredOn, 'reference beats');
  const nine = amplitudes.get(9);
  close(nine?.peakToPeak ?? NaN, 0.8, 1e-6, 'record 9');
  assert.deepEqual([nine?.beatsMeasured, nine?.measuredOn], [10, 'all beats']);
  assert.throws(
    () =>
      nstQrsAmplitudes({
        windows,
        length: BEAT_LENGTH,
        recordOfBeat: beats.map((b) => b.record),
        isReferenceBeat: () => true,
        rPeakIndex: 10,
        fs: FS,
      }),
    /does not fit in beat windows of 187/,
  );
});

test('QRS amplitude of real MIT-BIH record 118 (MLII) matches sigamp run on the continuous record', () => {
  const { windows, labels } = loadRecord118();
  const amplitudes = nstQrsAmplitudes({
    windows,
    length: MITDB_118_WINDOW,
    recordOfBeat: new Uint8Array(labels.length),
    isReferenceBeat: (beat) => labels[beat] !== 2,
    rPeakIndex: MITDB_118_R_INDEX,
    fs: FS,
  });
  // Reference: sigamp's rules applied to 118.dat and 118.atr by test/peer/nst_reference.py: first 300 map1-NORMAL
  // annotations (R and A beats here), range of samples t-18..t+18, trimmed mean 548.6185 ADC units = 2.74309 mV.
  // Neighbouring choices give other values: +-17 samples 2.73713, +-19 2.74667, N beats only 2.73809, all beats
  // including V 2.73559, no trimming 2.73270.
  close(amplitudes.get(0)?.peakToPeak ?? NaN, 548.6185185185185 / 200, 1e-5, 'record 118 QRS amplitude');
  assert.equal(amplitudes.get(0)?.beatsMeasured, 300);
});

test('nst noise RMS of white noise is its standard deviation; of real NSTDB noise, the sigamp value', () => {
  const sigma = 0.05;
  const white = nstNoiseRms(gaussianNoise(310 * FS, sigma, 11), FS);
  assert.equal(white.chunks, 300, 'the first 300 one-second chunks only');
  close(white.rms / sigma, 1, 0.01, 'white noise');

  // Reference values from test/peer/nst_reference.py over the same 60 s (60 chunks, 3 dropped at each end).
  const bw = loadNoise('bw');
  const ma = loadNoise('ma');
  const bwRms = nstNoiseRms(bw, FS);
  const maRms = nstNoiseRms(ma, FS);
  assert.equal(bwRms.chunks, 60);
  close(bwRms.rms, 0.09272610142778849, 1e-6, 'bw');
  close(maRms.rms, 0.06012862392131798, 1e-6, 'ma');
  // Baseline wander lives below 1 Hz, which nst's per-second mean removal discounts: its plain RMS (0.41 mV)
  // is more than four times the nst amplitude. Muscle noise is broadband: less than twice.
  const plainRms = (x: Float32Array): number => {
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
  };
  assert.ok(plainRms(bw) > 4 * bwRms.rms);
  assert.ok(plainRms(ma) < 2 * maRms.rms);
  assert.throws(() => nstNoiseRms(new Float32Array(359), FS), /shorter than one second/);
  assert.throws(() => nstNoiseRms(new Float32Array(720), FS), /flat/);
});

test('white noise added at each SNR gives, measured on the output, the requested SNR within 0.1 dB', () => {
  // Two records with QRS amplitudes 1 mV and 2.5 mV, 200 normal beats each; white noise of 0.05 mV.
  const amplitudesOfRecord = [1, 2.5];
  const perRecord = 200;
  const n = perRecord * 2;
  const windows = new Float32Array(n * BEAT_LENGTH);
  const recordOfBeat = new Int32Array(n);
  for (let beat = 0; beat < n; beat++) {
    recordOfBeat[beat] = beat < perRecord ? 0 : 1;
    windows.set(
      syntheticBeat(amplitudesOfRecord[recordOfBeat[beat] as number] as number),
      beat * BEAT_LENGTH,
    );
  }
  const noise = gaussianNoise(320 * FS, 0.05, 3);
  const qrsAmplitudes = nstQrsAmplitudes({
    windows,
    length: BEAT_LENGTH,
    recordOfBeat,
    isReferenceBeat: () => true,
    rPeakIndex: R_INDEX,
    fs: FS,
  });
  const noiseRms = nstNoiseRms(noise, FS).rms;
  const offsets = noiseOffsets(n, noise.length, BEAT_LENGTH, seededRandom(5));
  for (const snrDb of SNRS) {
    const noisy = addNoiseAtSnr({
      windows,
      length: BEAT_LENGTH,
      recordOfBeat,
      noise,
      noiseRms,
      qrsAmplitudes,
      snrDb,
      offsets,
    });
    close(
      (noisy.gainOfRecord.get(1) as number) / (noisy.gainOfRecord.get(0) as number),
      2.5,
      1e-6,
      'gain follows amplitude',
    );
    for (const record of [0, 1]) {
      // Power of the noise actually added to this record's beats, against the known A^2/8.
      let power = 0;
      for (let beat = record * perRecord; beat < (record + 1) * perRecord; beat++) {
        for (let i = beat * BEAT_LENGTH; i < (beat + 1) * BEAT_LENGTH; i++) {
          power += ((noisy.windows[i] as number) - (windows[i] as number)) ** 2;
        }
      }
      power /= perRecord * BEAT_LENGTH;
      const amplitude = amplitudesOfRecord[record] as number;
      const measured = 10 * Math.log10(amplitude ** 2 / 8 / power);
      close(measured, snrDb, 0.1, `record ${record} at ${snrDb} dB`);
    }
  }
});

test('real NSTDB noise on real record 118 beats: the gain applied gives the nst SNR requested', () => {
  const { windows, labels } = loadRecord118();
  const n = labels.length;
  const recordOfBeat = new Uint8Array(n);
  const qrsAmplitudes = nstQrsAmplitudes({
    windows,
    length: MITDB_118_WINDOW,
    recordOfBeat,
    isReferenceBeat: (beat) => labels[beat] !== 2,
    rPeakIndex: MITDB_118_R_INDEX,
    fs: FS,
  });
  const references = { bw: 0.09272610142778849, ma: 0.06012862392131798 };
  for (const name of ['bw', 'ma'] as const) {
    const noise = loadNoise(name);
    const noiseRms = nstNoiseRms(noise, FS).rms;
    const offsets = noiseOffsets(n, noise.length, MITDB_118_WINDOW, seededRandom(9));
    for (const snrDb of SNRS) {
      const noisy = addNoiseAtSnr({
        windows,
        length: MITDB_118_WINDOW,
        recordOfBeat,
        noise,
        noiseRms,
        qrsAmplitudes,
        snrDb,
        offsets,
      });
      // Recover the gain from the output alone: least squares of the added noise on the mean-removed noise
      // segments, then the SNR from the independent reference amplitudes.
      let dot = 0;
      let energy = 0;
      for (let beat = 0; beat < n; beat++) {
        const start = offsets[beat] as number;
        const segment = noise.subarray(start, start + MITDB_118_WINDOW);
        const mean = segment.reduce((a, b) => a + b, 0) / MITDB_118_WINDOW;
        for (let i = 0; i < MITDB_118_WINDOW; i++) {
          const k = beat * MITDB_118_WINDOW + i;
          const centred = (segment[i] as number) - mean;
          dot += ((noisy.windows[k] as number) - (windows[k] as number)) * centred;
          energy += centred * centred;
        }
      }
      const gain = dot / energy;
      const measured = nstSnrDb(548.6185185185185 / 200, gain * references[name]);
      close(measured, snrDb, 0.01, `${name} at ${snrDb} dB`);
    }
  }
});

test('noise offsets are reproducible from the seed and stay inside the noise signal', () => {
  const a = noiseOffsets(1000, 21600, BEAT_LENGTH, seededRandom(1));
  const b = noiseOffsets(1000, 21600, BEAT_LENGTH, seededRandom(1));
  const c = noiseOffsets(1000, 21600, BEAT_LENGTH, seededRandom(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((o) => o >= 0 && o + BEAT_LENGTH <= 21600));
  // Spread over the whole signal, not bunched at the start.
  assert.ok(Math.max(...a) > 0.9 * (21600 - BEAT_LENGTH) && Math.min(...a) < 0.1 * 21600);
  assert.throws(() => noiseOffsets(1, 100, BEAT_LENGTH, seededRandom(1)), /shorter than one beat window/);
});

test('addNoiseAtSnr leaves its input alone and refuses offsets past the end of the noise', () => {
  const windows = syntheticBeat(1);
  const copy = windows.slice();
  const noise = gaussianNoise(400, 0.1, 1);
  const qrsAmplitudes = nstQrsAmplitudes({
    windows,
    length: BEAT_LENGTH,
    recordOfBeat: [0],
    isReferenceBeat: () => true,
    rPeakIndex: R_INDEX,
    fs: FS,
  });
  const base = {
    windows,
    length: BEAT_LENGTH,
    recordOfBeat: [0],
    noise,
    noiseRms: 0.1,
    qrsAmplitudes,
    snrDb: 0,
  };
  const noisy = addNoiseAtSnr({ ...base, offsets: Int32Array.of(10) });
  assert.deepEqual(windows, copy);
  assert.notDeepEqual(noisy.windows, windows);
  assert.throws(() => addNoiseAtSnr({ ...base, offsets: Int32Array.of(300) }), /runs past the noise signal/);
  assert.throws(
    () => addNoiseAtSnr({ ...base, offsets: Int32Array.of(0, 0) }),
    /1 beat windows but 2 noise offsets/,
  );
  assert.throws(
    () => addNoiseAtSnr({ ...base, recordOfBeat: [3], offsets: Int32Array.of(0) }),
    /no QRS amplitude for record 3/,
  );
});

test('the reference values above come from the original PhysioNet files, by the independent script beside the tests', (t) => {
  // test/peer/nst_reference.py decodes 118.dat/.atr and the nstdb noise records with numpy alone and applies
  // sigamp's rules; the fixtures the tests above read are trimmed from the same files.
  const missing = pythonMissing('numpy');
  if (missing !== undefined) return missingReference(t, missing);
  if (!sharedPresent(t, `${SHARED_DATA}mitdb/118.dat`, `${SHARED_DATA}nstdb/bw.dat`)) return;
  const script = fileURLToPath(new URL('../../../test/peer/nst_reference.py', import.meta.url));
  const run = spawnSync(PYTHON, [script, SHARED_DATA], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const reference = JSON.parse(run.stdout) as {
    record118: { beats: number; mV: number };
    noiseRms: { bw: number; ma: number };
  };
  const { windows, labels } = loadRecord118();
  const ours = nstQrsAmplitudes({
    windows,
    length: MITDB_118_WINDOW,
    recordOfBeat: new Uint8Array(labels.length),
    isReferenceBeat: (beat) => labels[beat] !== 2,
    rPeakIndex: MITDB_118_R_INDEX,
    fs: FS,
  }).get(0);
  assert.equal(reference.record118.beats, ours?.beatsMeasured);
  close(ours?.peakToPeak ?? NaN, reference.record118.mV, 1e-6, 'record 118 QRS amplitude');
  close(nstNoiseRms(loadNoise('bw'), FS).rms, reference.noiseRms.bw, 1e-6, 'bw');
  close(nstNoiseRms(loadNoise('ma'), FS).rms, reference.noiseRms.ma, 1e-6, 'ma');
});
