import { test } from 'node:test';
import assert from 'node:assert/strict';
import { synthesizeEcg } from '../../src-main/core/data/ecg/synthetic-ecg.js';
import { AttestError } from '../../src-main/core/errors.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Width of the QRS at half its height above the signal 120 ms before the peak, in samples. */
function halfHeightWidth(signal: Float32Array, peak: number, fs: number): number {
  const base = signal[peak - Math.round(0.12 * fs)] as number;
  const half = base + ((signal[peak] as number) - base) / 2;
  let left = peak;
  while (left > 0 && (signal[left] as number) > half) left--;
  let right = peak;
  while (right < signal.length - 1 && (signal[right] as number) > half) right++;
  return right - left;
}

test('the synthetic ECG is deterministic for a seed and differs between seeds', () => {
  const a = synthesizeEcg({ seconds: 20, seed: 7 });
  const b = synthesizeEcg({ seconds: 20, seed: 7 });
  const c = synthesizeEcg({ seconds: 20, seed: 8 });
  assert.equal(a.signal.length, 20 * 360);
  assert.deepEqual(a.signal, b.signal);
  assert.deepEqual(a.beats, b.beats);
  assert.notDeepEqual(a.signal, c.signal);
});

test('annotations sit on R peaks; ectopic beats come early, V beats are wide, classes appear as asked', () => {
  const fs = 360;
  const ecg = synthesizeEcg({ seconds: 600, fs, seed: 3, ectopy: { S: 0.1, V: 0.1, F: 0.05 }, noise: 0.005 });
  const { signal, beats } = ecg;
  const inside = beats.filter((b) => b.sample > fs && b.sample < signal.length - fs);
  // Every R peak annotation is within 15 ms of the largest value in its +-100 ms neighbourhood.
  for (const beat of inside) {
    let best = beat.sample;
    for (let i = beat.sample - 36; i <= beat.sample + 36; i++)
      if ((signal[i] as number) > (signal[best] as number)) best = i;
    assert.ok(
      Math.abs(best - beat.sample) <= 0.015 * fs,
      `beat ${beat.symbol} at ${beat.sample}: peak at ${best}`,
    );
  }
  const rrBefore = (symbol: string) =>
    inside
      .map((b, i) =>
        i > 0 && b.symbol === symbol && inside[i - 1]?.symbol === 'N'
          ? b.sample - (inside[i - 1]?.sample ?? 0)
          : NaN,
      )
      .filter((rr) => Number.isFinite(rr));
  const normalRr = median(rrBefore('N'));
  for (const symbol of ['A', 'V'])
    assert.ok(median(rrBefore(symbol)) < 0.8 * normalRr, `${symbol} beats are premature`);
  const width = (symbol: string) =>
    median(inside.filter((b) => b.symbol === symbol).map((b) => halfHeightWidth(signal, b.sample, fs)));
  assert.ok(width('V') > 1.8 * width('N'), `V QRS ${width('V')} samples against N ${width('N')}`);
  assert.ok(width('F') > width('N') && width('F') < width('V'), 'fusion beats lie between N and V');
  const share = (symbol: string) => inside.filter((b) => b.symbol === symbol).length / inside.length;
  assert.ok(Math.abs(share('A') - 0.1) < 0.04, `S share ${share('A')}`);
  assert.ok(Math.abs(share('V') - 0.1) < 0.04, `V share ${share('V')}`);
  assert.ok(Math.abs(share('F') - 0.05) < 0.03, `F share ${share('F')}`);
  // The heart rate is as asked (72 bpm by default), give or take the ectopy.
  assert.ok(Math.abs(beats.length - 720) < 72, `${beats.length} beats in 10 minutes`);
});

test('absurd generator options are refused with the option named', () => {
  assert.throws(
    () => synthesizeEcg({ seconds: 1, seed: 1 }),
    (e: unknown) => e instanceof AttestError && /seconds/.test(e.message),
  );
  assert.throws(() => synthesizeEcg({ seconds: 10, seed: 1, heartRate: 400 }), /heart rate/);
  assert.throws(() => synthesizeEcg({ seconds: 10, seed: 1, ectopy: { V: 0.95 } }), /probabilities/);
  assert.throws(() => synthesizeEcg({ seconds: 10, seed: 1, ectopy: { S: -0.1 } }), /probabilities/);
});
