import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import { pgdPerturb } from '../../src-main/core/validate/pgd.js';
import { predictClasses } from '../../src-main/core/predict/predict.js';
import {
  calibrateSprt,
  detectionFigures,
  labelChanges,
  sprtDecide,
  wilsonInterval,
  type SprtSettings,
} from '../../src-main/core/validate/mutation-detection.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { denseClassifier, prototypeTask, train, useCpuBackend } from './fixtures.js';

const SHAPE = [16, 1];
let model: tfl.LayersModel;

before(async () => {
  await useCpuBackend();
  model = denseClassifier(SHAPE, 3, 32, 3);
  const training = prototypeTask(600, 1);
  await train(model, training.inputs, SHAPE, training.labels, 3, 15);
});

test('SPRT stops early on clear cases and falls back to the observed rate', () => {
  const s = { threshold: 0.1, indifference: 0.05, alpha: 0.05, beta: 0.05 };
  const adversarial = sprtDecide([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], s);
  assert.equal(adversarial.adversarial, true);
  assert.ok(adversarial.used < 5, `used ${adversarial.used}`);
  const normal = sprtDecide(new Array<number>(100).fill(0), s);
  assert.equal(normal.adversarial, false);
  assert.ok(normal.used < 100);
  assert.deepEqual(sprtDecide([0, 1], s), { adversarial: true, used: 2 });
});

test('mutants change the labels of PGD examples far more often than of normal inputs; weights come back exactly', () => {
  const task = prototypeTask(200, 5);
  const predicted = predictClasses(model, task.inputs, SHAPE);
  const right = Array.from(predicted.keys()).filter((i) => predicted[i] === task.labels[i]);
  const size = 16;
  const pick = (indices: number[], from: Float32Array) => {
    const out = new Float32Array(indices.length * size);
    indices.forEach((i, k) => out.set(from.subarray(i * size, (i + 1) * size), k * size));
    return out;
  };
  const normal = pick(right.slice(0, 60), task.inputs);
  // Each example at the smallest epsilon that fools the model, as an attacker hiding the perturbation would.
  const victims = right.slice(60, 160);
  const victimLabels = Int32Array.from(victims, (i) => task.labels[i] as number);
  const attacked = new Float32Array(victims.length * size);
  const done = new Uint8Array(victims.length);
  for (const epsilon of [0.3, 0.45, 0.6, 0.75, 0.9]) {
    const candidate = pgdPerturb({
      model,
      inputs: pick(victims, task.inputs),
      sampleShape: SHAPE,
      labels: victimLabels,
      classes: 3,
      epsilon,
    });
    const after = predictClasses(model, candidate, SHAPE);
    after.forEach((p, k) => {
      if (done[k] === 0 && p !== victimLabels[k]) {
        done[k] = 1;
        attacked.set(candidate.subarray(k * size, (k + 1) * size), k * size);
      }
    });
  }
  const fooled = Array.from(done.keys()).filter((k) => done[k] === 1);
  assert.ok(fooled.length > 20, `${fooled.length} successful PGD examples`);
  const adversarial = pick(fooled, attacked);
  const weightsBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
  const tensors = tf.memory().numTensors;
  const inputs = new Float32Array([...normal, ...adversarial]);
  const { changed } = labelChanges(model, inputs, SHAPE, 30, {
    mutants: 20,
    rate: 0.1,
    scale: 1,
    minAgreement: 0.8,
    seed: 2,
  });
  assert.equal(tf.memory().numTensors, tensors);
  assert.deepEqual(
    model.getWeights().map((w) => Array.from(w.dataSync())),
    weightsBefore,
    'the model is restored bit for bit',
  );
  assert.equal(changed.length, 20);
  const outcomes = (from: number, count: number) =>
    Array.from({ length: count }, (_, k) => Uint8Array.from(changed, (c) => c[from + k] as number));
  const figures = detectionFigures('pgd-linf', 0.8, outcomes(30, 30), outcomes(60, fooled.length), {
    threshold: 0.1,
    indifference: 0.05,
    alpha: 0.05,
    beta: 0.05,
  });
  assert.ok((figures.auc as number) > 0.8, `AUC ${figures.auc}`);
  assert.ok((figures.meanLcrAdversarial as number) > figures.meanLcrNormal * 2);
  assert.ok((figures.detectionRate as number) > figures.falsePositiveRate);
  assert.throws(
    () =>
      labelChanges(model, inputs, SHAPE, 30, { mutants: 0, rate: 0.1, scale: 1, minAgreement: 0.8, seed: 2 }),
    (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT',
  );
});

test('the calibrated SPRT meets its 5% false-positive design point on fresh normal inputs; the 95th percentile did not', (t) => {
  const mutants = 30;
  // Normal inputs: most never change label, some sit nearer a boundary (LCR up to 0.2); adversarial ones 0.1-0.6.
  const outcomes = (n: number, seed: number, rate: (r: () => number) => number): Uint8Array[] => {
    const r = createRng(seed);
    return Array.from({ length: n }, () => {
      const p = rate(r);
      return Uint8Array.from({ length: mutants }, () => (r() < p ? 1 : 0));
    });
  };
  const normalRate = (r: () => number) => (r() < 0.6 ? 0.005 : 0.2 * r());
  const fresh = outcomes(20000, 999, normalRate);
  const adversarial = outcomes(2000, 998, (r) => 0.1 + 0.5 * r());
  const flaggedShare = (inputs: Uint8Array[], s: SprtSettings) =>
    inputs.filter((o) => sprtDecide(o, s).adversarial).length / inputs.length;
  const calibrated: number[] = [];
  const percentile: number[] = [];
  const detected: number[] = [];
  for (let seed = 1; seed <= 20; seed++) {
    const reference = outcomes(200, seed, normalRate);
    const c = calibrateSprt(reference, mutants);
    assert.ok(c.calibrated && (c.flagged + 1) / 201 <= 0.05, `seed ${seed}: ${c.flagged} of 200 flagged`);
    calibrated.push(flaggedShare(fresh, c.sprt));
    detected.push(flaggedShare(adversarial, c.sprt));
    // The former rule: the 95th percentile of the reference LCRs.
    const lcr = reference.map((o) => o.reduce((a, b) => a + b, 0) / mutants).sort((a, b) => a - b);
    const threshold = Math.max(1 / (mutants + 1), lcr[Math.floor(0.95 * lcr.length)] as number);
    percentile.push(
      flaggedShare(fresh, {
        threshold,
        indifference: Math.max(0.01, threshold / 2),
        alpha: 0.05,
        beta: 0.05,
      }),
    );
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  t.diagnostic(
    `mean false-positive rate calibrated ${mean(calibrated)}, 95th percentile ${mean(percentile)}; detected ${mean(detected)}`,
  );
  assert.ok(mean(calibrated) <= 0.05, `calibrated: mean false-positive rate ${mean(calibrated)}`);
  assert.ok(mean(percentile) > 0.06, `95th percentile: mean false-positive rate ${mean(percentile)}`);
  assert.ok(mean(detected) > 0.6, `the calibrated test still flags ${mean(detected)} of adversarial inputs`);
  // Too few normal inputs cannot stand behind a 5% design point: marked, not passed off as calibrated.
  assert.equal(calibrateSprt(outcomes(15, 5, normalRate), mutants).calibrated, false);
});

test('Wilson interval of a false-positive rate', () => {
  const [low, high] = wilsonInterval(5, 100);
  assert.ok(Math.abs(low - 0.0215) < 5e-4 && Math.abs(high - 0.1118) < 5e-4, `${low} ${high}`);
  assert.ok(Math.abs((wilsonInterval(0, 100)[1] as number) - 0.037) < 1e-3);
});
