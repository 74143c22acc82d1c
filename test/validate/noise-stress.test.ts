import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import { AMPLITUDE_SCALING, baselineOffsetNoise } from '../../src-main/core/validate/ecg-noises.js';
import {
  noiseStressSuite,
  noiseStressSuiteAsync,
  type NoiseStressOptions,
} from '../../src-main/core/validate/noise-stress.js';
import { nstNoiseRms } from '../../src-main/core/validate/nst-snr.js';
import { predictClasses } from '../../src-main/core/predict/predict.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import {
  BEAT_LENGTH,
  denseClassifier,
  loadNoise,
  standardize,
  syntheticBeat,
  train,
  useCpuBackend,
} from './fixtures.js';

const AAMI = ['N', 'S', 'V', 'F', 'Q'];
const AMPLITUDES = [0.8, 1.5, 3];

/** Narrow (N) and wide (V) synthetic beats from three records of different QRS amplitudes, shifted by up to 3 samples. */
function makeBeats(
  perRecord: number,
  seed: number,
): { windows: Float32Array; labels: Uint8Array; records: Uint16Array } {
  const random = seededRandom(seed);
  const n = perRecord * AMPLITUDES.length;
  const windows = new Float32Array(n * BEAT_LENGTH);
  const labels = new Uint8Array(n);
  const records = new Uint16Array(n);
  for (let beat = 0; beat < n; beat++) {
    const record = Math.floor(beat / perRecord);
    const label = random() < 0.5 ? 0 : 2;
    const shift = Math.floor(random() * 7) - 3;
    const shape = syntheticBeat(AMPLITUDES[record] as number, label === 2);
    for (let i = 0; i < BEAT_LENGTH; i++)
      windows[beat * BEAT_LENGTH + i] = shape[Math.min(BEAT_LENGTH - 1, Math.max(0, i - shift))] as number;
    labels[beat] = label;
    records[beat] = record;
  }
  return { windows, labels, records };
}

const preprocess = (raw: Float32Array): Float32Array => standardize(raw, BEAT_LENGTH);
let model: tfl.LayersModel;
const beats = makeBeats(60, 2);
let options: NoiseStressOptions;

before(async () => {
  await useCpuBackend();
  model = denseClassifier([BEAT_LENGTH, 1], AAMI.length, 8);
  const training = makeBeats(100, 1);
  await train(model, preprocess(training.windows), [BEAT_LENGTH, 1], training.labels, AAMI.length, 10);
  options = {
    model,
    windows: beats.windows,
    length: BEAT_LENGTH,
    labels: beats.labels,
    classes: AAMI,
    recordOfBeat: beats.records,
    noises: { bw: loadNoise('bw'), ma: loadNoise('ma') },
    snrs: [24, 12, 0, -6],
    preprocess,
    seed: 3,
  };
});

test('noise stress: clean figures, one curve per noise, accuracy falls as the SNR falls', () => {
  const baseline = tf.memory().numTensors;
  const result = noiseStressSuite(options);
  assert.equal(tf.memory().numTensors, baseline);

  const clean = classificationMetrics(
    beats.labels,
    predictClasses(model, preprocess(beats.windows), [BEAT_LENGTH, 1]),
    AAMI,
  );
  assert.deepEqual(result.clean, {
    accuracy: clean.accuracy,
    macroF1: clean.macroF1,
    sensitivity: Object.fromEntries(clean.perClass.map((c) => [c.label, c.sensitivity])),
  });
  // The curves per class: each point carries every class's sensitivity, null where the class has no beat.
  for (const curve of result.noises)
    for (const point of curve.points) assert.deepEqual(Object.keys(point.sensitivity), AAMI);
  assert.ok(clean.accuracy > 0.95, `the model learnt the task (${clean.accuracy})`);
  assert.match(result.snrDefinition, /nst/);
  assert.deepEqual([result.seed, result.fs], [3, 360]);
  assert.deepEqual(
    result.records.map((r) => [r.record, r.measuredOn, r.beatsMeasured]),
    [0, 1, 2].map((record) => [
      record,
      'reference beats',
      beats.labels.filter((l, i) => l === 0 && beats.records[i] === record).length,
    ]),
  );
  result.records.forEach((r) => assert.ok(Math.abs(r.peakToPeak - (AMPLITUDES[r.record] as number)) < 1e-5));

  assert.deepEqual(
    result.noises.map((c) => c.noise),
    ['bw', 'ma'],
  );
  for (const curve of result.noises) {
    assert.equal(curve.noiseRms, nstNoiseRms(options.noises[curve.noise] as Float32Array, 360).rms);
    assert.equal(curve.noiseChunks, 60);
    assert.deepEqual(
      curve.points.map((p) => p.snrDb),
      [24, 12, 0, -6],
    );
    const accuracies = curve.points.map((p) => p.accuracy);
    assert.ok(
      (accuracies[0] as number) >= clean.accuracy - 0.05,
      `${curve.noise} at 24 dB barely matters: ${accuracies}`,
    );
    for (let k = 1; k < accuracies.length; k++) {
      assert.ok(
        (accuracies[k] as number) <= (accuracies[k - 1] as number) + 0.03,
        `${curve.noise}: ${accuracies}`,
      );
    }
    curve.points.forEach((p) => assert.ok(p.macroF1 >= 0 && p.macroF1 <= 1));
  }
  const ma = result.noises[1]?.points ?? [];
  assert.ok(
    (ma[3]?.accuracy as number) < (ma[0]?.accuracy as number) - 0.1,
    `muscle noise at -6 dB hurts: ${ma.map((p) => p.accuracy)}`,
  );
});

test('amplitude scaling leaves a per-beat standardized model unchanged; baseline jumps hurt at low SNR', () => {
  const result = noiseStressSuite({
    ...options,
    noises: { scale: AMPLITUDE_SCALING, offset: baselineOffsetNoise(360, 120, 5) },
  });
  const [scale, offset] = result.noises;
  assert.equal(scale?.kind, 'amplitude-scaling');
  assert.equal(offset?.kind, 'additive');
  // Standardization divides the gain out again: every point scores like the clean beats (up to rounding).
  for (const p of scale?.points ?? [])
    assert.ok(Math.abs(p.accuracy - result.clean.accuracy) < 0.02, `${p.accuracy}`);
  const accuracies = offset?.points.map((p) => p.accuracy) ?? [];
  assert.ok((accuracies[0] as number) >= result.clean.accuracy - 0.05, `offsets at 24 dB: ${accuracies}`);
  assert.ok((accuracies[3] as number) < (accuracies[0] as number), `offsets at -6 dB: ${accuracies}`);
});

test('noise stress is reproducible from its seed, and the async run reports progress to the same result', async () => {
  const first = noiseStressSuite({ ...options, snrs: [0] });
  assert.deepEqual(noiseStressSuite({ ...options, snrs: [0] }), first);
  const fractions: number[] = [];
  const context = {
    signal: new AbortController().signal,
    progress: (f: number) => fractions.push(f),
    log: () => undefined,
  };
  const baseline = tf.memory().numTensors;
  assert.deepEqual(await noiseStressSuiteAsync({ ...options, snrs: [0], batchSize: 50 }, context), first);
  assert.equal(tf.memory().numTensors, baseline);
  // 180 beats in batches of 50: 3 pauses inside each of the 3 predictions, then one per prediction done.
  assert.deepEqual(
    fractions.filter((f, i, all) => all.indexOf(f) === i),
    [1 / 3, 2 / 3, 1],
  );
});

test('noise stress refuses mismatched rates, wrong preprocessing output and empty lists', () => {
  const isBadInput = (pattern: RegExp) => (error: unknown) =>
    error instanceof AttestError && error.code === 'BAD_INPUT' && pattern.test(error.message);
  assert.throws(
    () => noiseStressSuite({ ...options, fs: 250 }),
    isBadInput(/sampled at 360 Hz and the beats at 250 Hz/),
  );
  assert.throws(
    () => noiseStressSuite({ ...options, preprocess: (raw) => raw.subarray(1) }),
    isBadInput(/preprocess returned/),
  );
  assert.throws(() => noiseStressSuite({ ...options, snrs: [] }), isBadInput(/SNRs must be/));
  assert.throws(() => noiseStressSuite({ ...options, noises: {} }), isBadInput(/at least one noise/));
  assert.throws(
    () => noiseStressSuite({ ...options, labels: beats.labels.subarray(1) }),
    isBadInput(/but 179 labels/),
  );
});
