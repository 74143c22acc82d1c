import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { segmentBeats } from '../../src-main/core/data/ecg/segment.js';
import { resampleLinear } from '../../src-main/core/data/ecg/resample.js';
import type { WfdbAnnotation } from '../../src-main/core/data/wfdb/annotations.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { findSignal, physicalSignal, readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { AttestError } from '../../src-main/core/errors.js';

const MITDB = fileURLToPath(new URL('../../../resources/mitdb/', import.meta.url));
const beat = (sample: number, symbol: string): WfdbAnnotation => ({
  sample,
  symbol,
  subtype: 0,
  chan: 0,
  num: 0,
  code: 0,
});

test('record 100: one window per AAMI beat around the R peak, in mV, edges skipped', () => {
  const record = readWfdbRecord(join(MITDB, '100'));
  const signal = physicalSignal(record, findSignal(record, 'MLII'));
  const annotations = readWfdbAnnotations(join(MITDB, '100.atr'));
  const beats = segmentBeats(signal, 360, annotations);
  assert.equal(beats.length, 187);
  const n = beats.labels.length;
  assert.equal(n + beats.skippedAtEdges, 2239 + 33 + 1);
  assert.equal(beats.windows.length, n * 187);
  const counts = [0, 0, 0, 0, 0];
  for (const label of beats.labels) counts[label]!++;
  assert.equal(counts[2], 1); // the one PVC
  assert.equal(counts[3]! + counts[4]!, 0);
  // The first beat (N at 77) cannot have 90 samples before it; the windows start with the next one.
  assert.equal(beats.samples[0], annotations.find((a) => a.symbol === 'N' && a.sample >= 90)?.sample);
  const first = beats.samples[0]!;
  assert.equal(beats.windows[90], signal[first]);
  assert.equal(beats.windows[0], signal[first - 90]);
  // Physical units: (995 - 1024) / 200 for the first sample of MLII.
  assert.ok(Math.abs(signal[0]! - (995 - 1024) / 200) < 1e-7);
  // An R peak is a local extreme: the window centre sits near the largest deviation of most beats.
  let centred = 0;
  for (let k = 0; k < n; k++) {
    const w = beats.windows.subarray(k * 187, (k + 1) * 187);
    let best = 0;
    for (let i = 1; i < 187; i++) if (Math.abs(w[i]! - w[0]!) > Math.abs(w[best]! - w[0]!)) best = i;
    if (Math.abs(best - 90) <= 10) centred++;
  }
  assert.ok(centred / n > 0.9, `only ${centred} of ${n} windows peak near their centre`);
});

test('windows that leave the signal are counted, options are validated', () => {
  const signal = Float32Array.from({ length: 1000 }, (_, i) => i);
  const beats = segmentBeats(signal, 360, [beat(5, 'N'), beat(500, 'V'), beat(990, 'A'), beat(600, '+')], {
    length: 100,
    before: 40,
  });
  assert.equal(beats.labels.length, 1);
  assert.equal(beats.skippedAtEdges, 2);
  assert.deepEqual(Array.from(beats.labels), [2]);
  assert.equal(beats.windows[0], 460);
  assert.equal(beats.windows[99], 559);
  const bad = (options: object) => () => segmentBeats(signal, 360, [], options);
  assert.throws(bad({ length: 0 }), AttestError);
  assert.throws(bad({ length: 10, before: 10 }), AttestError);
  assert.throws(bad({ targetFs: -1 }), AttestError);
  assert.throws(() => segmentBeats(signal, 0, []), AttestError);
});

test('a 250 Hz signal is resampled to 360 Hz and its R peaks moved to the new rate', () => {
  // A ramp resamples exactly under linear interpolation: value = time in seconds.
  const fs = 250;
  const signal = Float32Array.from({ length: 2500 }, (_, i) => i / fs);
  const beats = segmentBeats(signal, fs, [beat(1000, 'N')], { length: 187, before: 90, targetFs: 360 });
  assert.equal(beats.labels.length, 1);
  assert.equal(beats.samples[0], 1000);
  // R at 1000/250 = 4 s = sample 1440 at 360 Hz; the window starts 90 samples earlier.
  assert.ok(Math.abs(beats.windows[90]! - 4) < 1e-5);
  assert.ok(Math.abs(beats.windows[0]! - (1440 - 90) / 360) < 1e-5);
  assert.ok(Math.abs(beats.windows[186]! - (1440 + 96) / 360) < 1e-5);
});

test('resampling: identity, upsampling a ramp exactly, downsampling a sine keeps its shape', () => {
  const x = Float32Array.from([0, 1, 2, 3]);
  assert.equal(resampleLinear(x, 360, 360), x);
  assert.deepEqual(Array.from(resampleLinear(x, 1, 2)), [0, 0.5, 1, 1.5, 2, 2.5, 3]);
  const fs = 1000;
  const sine = Float32Array.from({ length: 5000 }, (_, i) => Math.sin((2 * Math.PI * 5 * i) / fs));
  const down = resampleLinear(sine, fs, 250);
  assert.equal(down.length, Math.floor((4999 * 250) / 1000) + 1);
  let maxError = 0;
  for (let j = 10; j < down.length - 10; j++)
    maxError = Math.max(maxError, Math.abs(down[j]! - Math.sin((2 * Math.PI * 5 * j) / 250)));
  assert.ok(maxError < 0.01, `max error ${maxError}`);
  assert.throws(() => resampleLinear(x, 0, 360), RangeError);
});
