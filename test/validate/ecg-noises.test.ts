import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  AMPLITUDE_SCALING,
  baselineOffsetNoise,
  ECG_NOISES,
  loadEcgNoises,
  parseNoiseNames,
  powerLineNoise,
} from '../../src-main/core/validate/ecg-noises.js';
import { scaleAtSnr } from '../../src-main/core/validate/noise-stress.js';
import { readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { AttestError } from '../../src-main/core/errors.js';
import { sharedPresent } from '../helpers/reference.js';

const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

test('the bundled noises load in mV at 360 Hz, and power-line tones have their frequency', () => {
  const noises = loadEcgNoises(['bw', 'ma', 'em', 'pl50', 'pl60']);
  assert.deepEqual(Object.keys(noises), ['bw', 'ma', 'em', 'pl50', 'pl60']);
  assert.equal((noises['em'] as Float32Array).length, 600 * 360);
  for (const [name, hz] of [
    ['pl50', 50],
    ['pl60', 60],
  ] as const) {
    const tone = noises[name] as Float32Array;
    let crossings = 0;
    for (let i = 1; i < tone.length; i++)
      if ((tone[i - 1] as number) < 0 && (tone[i] as number) >= 0) crossings++;
    assert.ok(Math.abs(crossings - hz * 60) <= 1, `${name}: ${crossings} upward crossings in 60 s`);
  }
  assert.deepEqual(powerLineNoise(50, 360, 1).length, 360);
});

test('noise names are checked', () => {
  assert.deepEqual(parseNoiseNames('bw, em,bw'), ['bw', 'em']);
  assert.throws(
    () => parseNoiseNames('bw,hum'),
    (e: unknown) => e instanceof AttestError && /unknown noise "hum"/.test(e.message),
  );
  assert.throws(() => parseNoiseNames(' , '), AttestError);
  assert.deepEqual(parseNoiseNames('all'), Object.keys(ECG_NOISES));
});

test('baseline offsets are steps between levels within 1 mV, held 0.2 to 2 s; seeded', () => {
  const fs = 360;
  const offset = baselineOffsetNoise(fs, 120, 3);
  assert.deepEqual(offset, baselineOffsetNoise(fs, 120, 3));
  assert.notDeepEqual(offset, baselineOffsetNoise(fs, 120, 4));
  const runs: number[] = [];
  let run = 1;
  for (let i = 1; i < offset.length; i++) {
    assert.ok(Math.abs(offset[i] as number) <= 1);
    if (offset[i] === offset[i - 1]) run++;
    else {
      runs.push(run);
      run = 1;
    }
  }
  assert.ok(runs.length > 50, `${runs.length} jumps in 120 s`);
  for (const r of runs) assert.ok(r >= 0.2 * fs - 1 && r <= 2 * fs + 1, `a level held ${r} samples`);
  assert.equal(loadEcgNoises(['scale'])['scale'], AMPLITUDE_SCALING);
});

test('amplitude scaling multiplies each beat by 1+d or 1/(1+d) with d from the SNR', () => {
  const windows = Float32Array.from([1, -2, 0.5, 4]);
  const scaled = scaleAtSnr(windows, 2, Uint8Array.from([1, 0]), 20 * Math.log10(1 / 0.5)); // d = 0.5
  const expected = [1.5, -3, 0.5 / 1.5, 4 / 1.5];
  expected.forEach((v, i) => assert.ok(Math.abs((scaled[i] as number) - v) < 1e-6, `${scaled[i]} vs ${v}`));
  assert.deepEqual(windows, Float32Array.from([1, -2, 0.5, 4]), 'the input is left alone');
});

test('em is 118e00 minus 118 from 5:00 on (checked when the shared data is beside the checkout)', (t) => {
  if (!sharedPresent(t, `${SHARED}nstdb/118e00.hea`, `${SHARED}mitdb/118.hea`)) return;
  const em = readWfdbRecord(resourcePath('nstdb', 'em'));
  const noisy = readWfdbRecord(`${SHARED}nstdb/118e00`);
  const clean = readWfdbRecord(`${SHARED}mitdb/118`);
  for (let k = 0; k < 2; k++) {
    const zeroNoisy = noisy.header.signals[k]?.adcZero ?? 0;
    const zeroClean = clean.header.signals[k]?.adcZero ?? 0;
    for (let j = 0; j < (em.digital[k] as Int32Array).length; j += 997) {
      const i = 300 * 360 + j;
      const expected =
        (noisy.digital[k] as Int32Array)[i]! - zeroNoisy - ((clean.digital[k] as Int32Array)[i]! - zeroClean);
      assert.equal((em.digital[k] as Int32Array)[j], expected, `signal ${k} sample ${j}`);
    }
    // Before 5:00 the two records are identical: no noise was added there.
    for (let i = 0; i < 300 * 360; i += 101)
      assert.equal(
        (noisy.digital[k] as Int32Array)[i]! - zeroNoisy,
        (clean.digital[k] as Int32Array)[i]! - zeroClean,
      );
  }
});
