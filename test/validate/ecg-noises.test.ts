import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEcgNoises, parseNoiseNames, powerLineNoise } from '../../src-main/core/validate/ecg-noises.js';
import { readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { AttestError } from '../../src-main/core/errors.js';

const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

test('the bundled noises load in mV at 360 Hz, and power-line tones have their frequency', () => {
  const noises = loadEcgNoises(['bw', 'ma', 'em', 'pl50', 'pl60']);
  assert.deepEqual(Object.keys(noises), ['bw', 'ma', 'em', 'pl50', 'pl60']);
  assert.equal(noises['em']?.length, 600 * 360);
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
});

test('em is 118e00 minus 118 from 5:00 on (checked when the shared data is beside the checkout)', (t) => {
  if (!existsSync(`${SHARED}nstdb/118e00.hea`) || !existsSync(`${SHARED}mitdb/118.hea`)) {
    t.skip('../shared/data is not beside this checkout');
    return;
  }
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
