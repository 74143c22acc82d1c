import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { findSignal, physicalSignal, readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { aamiClassOf } from '../../src-main/core/data/ecg/aami.js';
import { resampleLinear } from '../../src-main/core/data/ecg/resample.js';
import { segmentKachuee2018 } from '../../src-main/core/data/ecg/kachuee2018.js';

const RECORD = join(REPO_ROOT, 'resources', 'mitdb', '119');

test('kachuee2018 beats of bundled record 119 follow the published description', () => {
  const record = readWfdbRecord(RECORD);
  const signal = physicalSignal(record, findSignal(record, 'MLII'));
  const fs = record.header.fs;
  const annotations = readWfdbAnnotations(`${RECORD}.atr`);
  const beats = segmentKachuee2018(signal, fs, annotations);
  assert.equal(fs, 360);
  assert.equal(beats.length, 187);
  const n = beats.labels.length;
  const annotated = annotations.filter((a) => aamiClassOf(a.symbol) !== undefined).length;
  // Most beats are kept; those whose 1.2 T run past their window's end are not.
  assert.ok(n > 0.8 * annotated && n < annotated, `${n} of ${annotated} beats`);
  assert.equal(n + beats.skippedAtEdges + beats.skippedInGaps + beats.skippedWithoutInterval, annotated);

  // The description, computed here from the record: 125 Hz, 10 s windows, [0, 1] by the window's min and max.
  const at125 = resampleLinear(signal, fs, 125);
  const rPeak = (sample: number): number => Math.round((sample * 125) / fs);
  const beatPeaks = annotations
    .filter((a) => aamiClassOf(a.symbol) !== undefined)
    .map((a) => rPeak(a.sample));
  const checkedLengths = new Set<number>();
  for (let k = 0; k < n; k += 37) {
    const r = rPeak(beats.samples[k] as number);
    const windowStart = Math.floor(r / 1250) * 1250;
    const raw = at125.subarray(windowStart, Math.min(windowStart + 1250, at125.length));
    const min = Math.min(...raw);
    const max = Math.max(...raw);
    const peaks = beatPeaks.filter((p) => p >= windowStart && p < windowStart + 1250);
    const intervals = peaks
      .slice(1)
      .map((p, i) => p - (peaks[i] as number))
      .sort((a, b) => a - b);
    const middle = Math.floor(intervals.length / 2);
    const medianRR =
      intervals.length % 2 === 1
        ? (intervals[middle] as number)
        : ((intervals[middle - 1] as number) + (intervals[middle] as number)) / 2;
    const length = Math.min(187, Math.round(1.2 * medianRR));
    checkedLengths.add(length);
    const beat = beats.windows.subarray(k * 187, (k + 1) * 187);
    // Starts at the R peak, scaled by the window's own extremes, for 1.2 T samples ...
    for (let i = 0; i < length; i++) {
      const expected = ((raw[r - windowStart + i] as number) - min) / (max - min);
      assert.ok(Math.abs((beat[i] as number) - expected) < 1e-6, `beat ${k} sample ${i}`);
    }
    // ... then zero-padded to 187.
    assert.ok(
      beat.subarray(length).every((v) => v === 0),
      `beat ${k} is zero after ${length} samples`,
    );
    assert.ok(beat.every((v) => v >= 0 && v <= 1));
  }
  // Record 119's rhythm changes (bigeminy), so the beat length changes from window to window.
  assert.ok(checkedLengths.size > 1, `lengths ${[...checkedLengths].join(', ')}`);
});
