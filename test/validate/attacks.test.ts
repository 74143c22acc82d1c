import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import { fgsmSuite } from '../../src-main/core/validate/fgsm.js';
import { pgdPerturb, pgdSweepAsync, pgdSweepSteps } from '../../src-main/core/validate/pgd.js';
import { keepLargest, sparseBatch, sparseSweepSteps } from '../../src-main/core/validate/sparse-attack.js';
import { squareBatch, squareSweepSteps } from '../../src-main/core/validate/square-attack.js';
import { runSteps } from '../../src-main/core/jobs/steps.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { denseClassifier, prototypeTask, train, useCpuBackend } from './fixtures.js';

const SHAPE = [16, 1];
const CLASSES = 3;
let model: tfl.LayersModel;
const task = prototypeTask(120, 2);

before(async () => {
  await useCpuBackend();
  model = denseClassifier(SHAPE, CLASSES);
  const training = prototypeTask(600, 1);
  await train(model, training.inputs, SHAPE, training.labels, CLASSES, 15);
});

const common = () => ({
  model,
  inputs: task.inputs,
  sampleShape: SHAPE,
  labels: task.labels,
  classes: CLASSES,
});

function perSample(a: Float32Array, b: Float32Array, size: number, f: (d: number[]) => number): number[] {
  const out: number[] = [];
  for (let s = 0; s < a.length / size; s++)
    out.push(
      f(Array.from({ length: size }, (_, j) => (a[s * size + j] as number) - (b[s * size + j] as number))),
    );
  return out;
}

test('PGD stays inside its L-inf and L2 balls, is reproducible, and frees its tensors', () => {
  const before = tf.memory().numTensors;
  const linf = pgdPerturb({
    ...common(),
    epsilon: 0.3,
    seed: 4,
    settings: { norm: 'Linf', steps: 5, restarts: 2 },
  });
  const again = pgdPerturb({
    ...common(),
    epsilon: 0.3,
    seed: 4,
    settings: { norm: 'Linf', steps: 5, restarts: 2 },
  });
  assert.deepEqual(linf, again);
  const maxAbs = Math.max(...perSample(linf, task.inputs, 16, (d) => Math.max(...d.map(Math.abs))));
  assert.ok(maxAbs <= 0.3 + 1e-5 && maxAbs > 0.29, `L-inf ${maxAbs}`);
  const l2 = pgdPerturb({ ...common(), epsilon: 1, seed: 4, settings: { norm: 'L2', steps: 5 } });
  const norms = perSample(l2, task.inputs, 16, (d) => Math.hypot(...d));
  assert.ok(Math.max(...norms) <= 1 + 1e-4, `L2 ${Math.max(...norms)}`);
  assert.ok(Math.min(...norms) > 0.9, 'PGD walks to the edge of the L2 ball');
  assert.equal(tf.memory().numTensors, before);
});

test('PGD is at least as strong as FGSM, epsilon 0 is the clean accuracy, accuracy falls with epsilon', async () => {
  const before = tf.memory().numTensors;
  const epsilons = [0, 0.2, 0.5, 1];
  const fgsm = fgsmSuite({ ...common(), epsilons });
  const pgd = await pgdSweepAsync({
    ...common(),
    epsilons,
    settings: { steps: 10, restarts: 2 },
    seed: 3,
    batchSize: 50,
  });
  assert.equal(pgd.points[0]?.accuracy, pgd.cleanAccuracy);
  assert.equal(pgd.cleanAccuracy, fgsm.cleanAccuracy);
  assert.ok(pgd.cleanAccuracy > 0.9, `clean ${pgd.cleanAccuracy}`);
  for (const [e, point] of pgd.points.entries()) {
    assert.ok(point.accuracy <= (fgsm.points[e]?.accuracy as number) + 1e-9, `epsilon ${point.epsilon}`);
    if (e > 0) assert.ok(point.accuracy <= (pgd.points[e - 1]?.accuracy as number));
  }
  assert.ok((pgd.points[3]?.accuracy as number) < 0.3, 'a large epsilon breaks the model');
  assert.equal(pgd.attack, 'pgd');
  assert.deepEqual(pgd.params, { steps: 10, stepSize: 0.25, restarts: 2, randomStart: true, seed: 3 });
  assert.equal(tf.memory().numTensors, before);
});

test('targeted PGD pushes samples into the chosen class; success is counted on the other classes only', () => {
  const sweep = runSteps(
    pgdSweepSteps({
      ...common(),
      epsilons: [0, 0.5, 1.5],
      settings: { target: 2, steps: 20 },
      classNames: ['a', 'b', 'c'],
    }),
  );
  assert.equal(sweep.targeted, true);
  assert.equal(sweep.target, 'c');
  const rates = sweep.points.map((p) => p.targetSuccessRate as number);
  assert.ok((rates[0] as number) < 0.1, `clean target rate ${rates[0]}`);
  assert.ok((rates[2] as number) > 0.8, `targeted success ${rates[2]}`);
  assert.ok((rates[1] as number) <= (rates[2] as number));
});

test('the sparse attack changes at most k values, each by at most the magnitude, and succeeds more with k', () => {
  const before = tf.memory().numTensors;
  const labels = task.labels.subarray(0, 40);
  const inputs = task.inputs.subarray(0, 40 * 16);
  const adversarial = sparseBatch(model, inputs, SHAPE, labels, CLASSES, 3, 1.5, 10, 0);
  const changed = perSample(adversarial, inputs, 16, (d) => d.filter((v) => v !== 0).length);
  assert.ok(Math.max(...changed) <= 3);
  assert.ok(
    Math.max(...perSample(adversarial, inputs, 16, (d) => Math.max(...d.map(Math.abs)))) <= 1.5 + 1e-5,
  );
  const sweep = runSteps(sparseSweepSteps({ ...common(), budgets: [0, 2, 8], magnitude: 2, target: 0 }));
  const rates = sweep.points.map((p) => p.targetSuccessRate as number);
  assert.equal(sweep.points[0]?.accuracy, sweep.cleanAccuracy);
  assert.ok((rates[2] as number) > (rates[0] as number) + 0.3, JSON.stringify(rates));
  assert.equal(sweep.norm, 'L0');
  assert.equal(tf.memory().numTensors, before);
  const delta = Float32Array.from([0.1, -3, 2, 0.5, 0, 0, 1, -1]);
  keepLargest(delta, 4, 2);
  assert.deepEqual(Array.from(delta), [0, -3, 2, 0, 0, 0, 1, -1]);
});

test('the Square attack uses no gradient, stays in the L-inf ball and lowers accuracy with epsilon', () => {
  const before = tf.memory().numTensors;
  const labels = task.labels.subarray(0, 30);
  const inputs = task.inputs.subarray(0, 30 * 16);
  const adversarial = squareBatch(
    model,
    inputs,
    SHAPE,
    labels,
    0.5,
    { queries: 50, pInit: 0.3, target: undefined },
    createRng(1),
  );
  const maxAbs = Math.max(...perSample(adversarial, inputs, 16, (d) => Math.max(...d.map(Math.abs))));
  assert.ok(Math.abs(maxAbs - 0.5) < 1e-5, `${maxAbs}`);
  const sweep = runSteps(squareSweepSteps({ ...common(), epsilons: [0, 0.5, 1.2], queries: 100, seed: 2 }));
  assert.equal(sweep.points[0]?.accuracy, sweep.cleanAccuracy);
  assert.ok((sweep.points[2]?.accuracy as number) < sweep.cleanAccuracy - 0.3, JSON.stringify(sweep.points));
  assert.ok((sweep.points[2]?.accuracy as number) <= (sweep.points[1]?.accuracy as number));
  assert.equal(tf.memory().numTensors, before);
});

test('absurd attack settings are refused with BAD_INPUT', () => {
  const bad = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  bad(() => runSteps(pgdSweepSteps({ ...common(), epsilons: [-1] })), /budget -1/);
  bad(() => runSteps(pgdSweepSteps({ ...common(), settings: { steps: 0 } })), /steps must be an integer/);
  bad(() => runSteps(pgdSweepSteps({ ...common(), settings: { target: 7 } })), /target class 7/);
  bad(() => runSteps(sparseSweepSteps({ ...common(), budgets: [1.5], magnitude: 1 })), /integer/);
  bad(() => runSteps(squareSweepSteps({ ...common(), epsilons: [0.1], queries: 0 })), /queries/);
});

test('Square and sparse attacks work on images: squares inside the L-inf ball, at most k pixels changed', () => {
  const shape = [8, 8, 1];
  const image = denseClassifier(shape, 2, 8, 11);
  const inputs = Float32Array.from({ length: 6 * 64 }, (_, i) => ((i * 37) % 101) / 101);
  const labels = Int32Array.from([0, 1, 0, 1, 0, 1]);
  const tensors = tf.memory().numTensors;
  const square = squareBatch(
    image,
    inputs,
    shape,
    labels,
    0.1,
    { queries: 20, pInit: 0.3, target: undefined },
    createRng(3),
  );
  const deltas = Array.from(square, (v, i) => Math.abs(v - (inputs[i] as number)));
  assert.ok(
    deltas.every((d) => Math.abs(d - 0.1) < 1e-5),
    'every pixel at +-epsilon (stripes, then squares)',
  );
  const sparse = sparseBatch(image, inputs, shape, labels, 2, 4, 0.5, 5, 1);
  const changed = perSample(sparse, inputs, 64, (d) => d.filter((v) => v !== 0).length);
  assert.ok(Math.max(...changed) <= 4);
  assert.equal(tf.memory().numTensors, tensors);
  image.dispose();
});
