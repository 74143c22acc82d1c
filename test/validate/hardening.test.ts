import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { hardeningPerturber, parseHardening } from '../../src-main/core/train/adversarial-hardening.js';
import { pgdSweepSteps } from '../../src-main/core/validate/pgd.js';
import { runSteps } from '../../src-main/core/jobs/steps.js';
import { denseClassifier, prototypeTask, useCpuBackend } from './fixtures.js';

const SHAPE = [16, 1];

before(useCpuBackend);

test('hardening recipes parse with defaults; absurd ones are refused', () => {
  assert.deepEqual(parseHardening('pgd:0.1'), {
    kind: 'pgd',
    strength: 0.1,
    fraction: 0.5,
    steps: 5,
    perClassWeighting: false,
  });
  assert.deepEqual(parseHardening('diverse:0.2:1:weighted'), {
    kind: 'diverse',
    strength: 0.2,
    fraction: 1,
    steps: 5,
    perClassWeighting: true,
  });
  assert.equal(parseHardening('manifold').strength, 0);
  const bad = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseHardening(text),
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  bad('mixup:0.1', /must start with one of pgd, diverse, manifold/);
  bad('pgd:0', /epsilon must be/);
  bad('pgd:0.1:2', /fraction must be in/);
  bad('manifold:99', /lowest SNR/);
});

/** Trains a fresh dense model with fitEpochs (the training loop `attest train` uses), with or without hardening. */
async function trainWith(
  hardening: string | undefined,
  log?: (epoch: number, perturbed: number, rates: (number | null)[]) => void,
) {
  const task = prototypeTask(400, 1, { sigma: 0.8 });
  const model = denseClassifier(SHAPE, 3, 32, 9);
  const optimizer = tf.train.adam(0.003);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  await fitEpochs({
    model,
    inputs: task.inputs,
    labels: task.labels,
    sampleShape: SHAPE,
    classes: 3,
    epochs: 30,
    batchSize: 32,
    seed: 4,
    signal: new AbortController().signal,
    ...(hardening !== undefined
      ? {
          perturbEpoch: hardeningPerturber({
            model,
            sampleShape: SHAPE,
            classes: 3,
            hardening: parseHardening(hardening),
            seed: 4,
            inputKind: 'test-vector',
            onEpochFigures: (epoch, f) => log?.(epoch, f.perturbed, f.successByClass),
          }),
        }
      : {}),
  });
  optimizer.dispose();
  return model;
}

test('PGD adversarial training raises accuracy under PGD; per-class weighting measures each class', async () => {
  const test1 = prototypeTask(300, 77, { sigma: 0.8 });
  const robustness = (model: Awaited<ReturnType<typeof trainWith>>) =>
    runSteps(
      pgdSweepSteps({
        model,
        inputs: test1.inputs,
        sampleShape: SHAPE,
        labels: test1.labels,
        classes: 3,
        epsilons: [0, 0.7],
        seed: 1,
      }),
    ).points;
  const plain = await trainWith(undefined);
  const logged: { epoch: number; perturbed: number; rates: (number | null)[] }[] = [];
  const hardened = await trainWith('pgd:0.7:0.5:weighted', (epoch, perturbed, rates) =>
    logged.push({ epoch, perturbed, rates }),
  );
  const tensors = tf.memory().numTensors;
  const [plainClean, plainAttacked] = robustness(plain);
  const [hardClean, hardAttacked] = robustness(hardened);
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(
    (hardAttacked?.accuracy as number) > (plainAttacked?.accuracy as number) + 0.05,
    `under PGD 0.7: plain ${plainAttacked?.accuracy}, hardened ${hardAttacked?.accuracy}`,
  );
  assert.ok((hardClean?.accuracy as number) > 0.8, `hardened clean accuracy ${hardClean?.accuracy}`);
  assert.ok((plainClean?.accuracy as number) > 0.8);
  assert.equal(logged.length, 30);
  assert.ok(logged.every((l) => l.perturbed > 0 && l.perturbed < 400 && l.rates.every((r) => r !== null)));
  plain.dispose();
  hardened.dispose();
});

test('on-manifold and diverse recipes perturb the chosen fraction, deterministically', () => {
  const task = prototypeTask(200, 3);
  const model = denseClassifier(SHAPE, 3, 8, 2);
  const make = (spec: string) =>
    hardeningPerturber({
      model,
      sampleShape: SHAPE,
      classes: 3,
      hardening: parseHardening(spec),
      seed: 1,
      inputKind: 'test-vector',
    });
  const tensors = tf.memory().numTensors;
  for (const spec of ['manifold:10:0.3', 'diverse:0.2:0.3']) {
    const a = make(spec)(task.inputs, task.labels, 1);
    const b = make(spec)(task.inputs, task.labels, 1);
    assert.deepEqual(a, b, spec);
    let changed = 0;
    for (let i = 0; i < 200; i++)
      if (a.subarray(i * 16, i * 16 + 16).some((v, j) => v !== task.inputs[i * 16 + j])) changed++;
    assert.ok(changed > 40 && changed < 80, `${spec}: ${changed} of 200 perturbed`);
  }
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});
