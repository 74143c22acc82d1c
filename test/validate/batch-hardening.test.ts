import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf } from '../../src-main/core/engine/tf.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { batchHardening } from '../../src-main/core/validate/batch-hardening.js';
import { parseHardening } from '../../src-main/core/train/adversarial-hardening.js';
import { pgdSweepSteps } from '../../src-main/core/validate/pgd.js';
import { runSteps } from '../../src-main/core/jobs/steps.js';
import { denseClassifier, prototypeTask, useCpuBackend } from './fixtures.js';

const SHAPE = [16, 1];

before(useCpuBackend);

test('diversity adversarial training mixes FGSM, PGD L-inf and PGD L2 within every batch, against the current weights', () => {
  const task = prototypeTask(32 * 6, 3);
  const model = denseClassifier(SHAPE, 3, 8, 2);
  const epsilon = 0.2;
  const hardening = batchHardening({
    model,
    sampleShape: SHAPE,
    classes: 3,
    hardening: parseHardening(`diverse:${epsilon}:0.75`),
    seed: 1,
  });
  const tensors = tf.memory().numTensors;
  let clean = 0;
  for (let batch = 0; batch < 6; batch++) {
    const x = task.inputs.slice(batch * 32 * 16, (batch + 1) * 32 * 16);
    const y = task.labels.slice(batch * 32, (batch + 1) * 32);
    const before = x.slice();
    const { attacks } = hardening.perturbBatch(x, y, 1, batch);
    // Every batch holds all three attack types, in near-equal numbers.
    const counts = [0, 1, 2].map((kind) => attacks.filter((a) => a === kind).length);
    assert.ok(
      counts.every((c) => c >= 4),
      `batch ${batch}: ${counts.join(', ')} FGSM, PGD L-inf, PGD L2 examples`,
    );
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `batch ${batch}: ${counts.join(', ')}`);
    for (let i = 0; i < 32; i++) {
      const delta = Array.from(
        { length: 16 },
        (_, j) => (x[i * 16 + j] as number) - (before[i * 16 + j] as number),
      );
      const linf = Math.max(...delta.map(Math.abs));
      const l2 = Math.sqrt(delta.reduce((s, d) => s + d * d, 0));
      if (attacks[i] === -1) {
        clean++;
        assert.equal(linf, 0, 'a clean sample stays as it was');
      } else if (attacks[i] === 0) {
        // FGSM moves every value by exactly epsilon.
        assert.ok(
          delta.every((d) => Math.abs(Math.abs(d) - epsilon) < 1e-5),
          `FGSM sample ${i}`,
        );
      } else if (attacks[i] === 1) {
        assert.ok(linf <= epsilon + 1e-5 && linf > 0, `PGD L-inf sample ${i}: ${linf}`);
      } else {
        assert.ok(l2 <= epsilon * Math.sqrt(16 / 3) + 1e-4 && l2 > 0, `PGD L2 sample ${i}: ${l2}`);
      }
    }
  }
  assert.ok(clean > 20 && clean < 80, `${clean} of 192 samples left clean (fraction 0.75 perturbed)`);
  const figures = hardening.epochFigures(1);
  assert.equal(figures.perturbed, 192 - clean);
  assert.ok(Object.values(figures.byAttack).every((c) => c >= 24));
  // The examples follow the weights: the same batch after a weight change gets other perturbations.
  const x = task.inputs.slice(0, 32 * 16);
  const y = task.labels.slice(0, 32);
  const first = x.slice();
  hardening.perturbBatch(first, y, 2, 0);
  const again = x.slice();
  hardening.perturbBatch(again, y, 2, 0);
  assert.deepEqual(again, first, 'deterministic for the same weights, epoch and batch');
  const weights = model.getWeights();
  const shifted = weights.map((w, k) => (k === 0 ? tf.mul(w, -1) : tf.clone(w)));
  model.setWeights(shifted);
  shifted.forEach((t) => t.dispose());
  const moved = x.slice();
  hardening.perturbBatch(moved, y, 2, 0);
  assert.notDeepEqual(moved, first, 'made against the current weights');
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
});

test('fitEpochs perturbs each batch just before training on it; per-batch diversity training resists PGD', async (t) => {
  const task = prototypeTask(400, 1, { sigma: 0.8 });
  const run = async (hardened: boolean) => {
    const model = denseClassifier(SHAPE, 3, 32, 9);
    const optimizer = tf.train.adam(0.003);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const calls: string[] = [];
    const hardening = batchHardening({
      model,
      sampleShape: SHAPE,
      classes: 3,
      hardening: parseHardening('diverse:0.7:0.5'),
      seed: 4,
    });
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
      ...(hardened
        ? {
            perturbBatch: (x: Float32Array, y: Int32Array, epoch: number, batch: number) => {
              assert.equal(x.length, y.length * 16);
              calls.push(`${epoch}:${batch}:${y.length}`);
              hardening.perturbBatch(x, y, epoch, batch);
            },
          }
        : {}),
    });
    optimizer.dispose();
    return { model, calls };
  };
  const plain = await run(false);
  const hardened = await run(true);
  // 400 samples in batches of 32: 12 full batches and one of 16, every epoch.
  assert.equal(hardened.calls.length, 30 * 13);
  assert.deepEqual(hardened.calls.slice(0, 13), [
    ...Array.from({ length: 12 }, (_, b) => `1:${b}:32`),
    '1:12:16',
  ]);
  const test1 = prototypeTask(300, 77, { sigma: 0.8 });
  const points = (model: typeof plain.model) =>
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
  const [plainClean, plainAttacked] = points(plain.model);
  const [hardClean, hardAttacked] = points(hardened.model);
  t.diagnostic(
    `accuracy clean / under PGD 0.7: plain ${plainClean?.accuracy} / ${plainAttacked?.accuracy}, ` +
      `diversity-trained ${hardClean?.accuracy} / ${hardAttacked?.accuracy}`,
  );
  assert.ok(
    (hardAttacked?.accuracy as number) > (plainAttacked?.accuracy as number) + 0.05,
    `under PGD 0.7: plain ${plainAttacked?.accuracy}, diversity-trained ${hardAttacked?.accuracy}`,
  );
  assert.ok(
    (hardClean?.accuracy as number) > 0.8,
    `clean ${hardClean?.accuracy} (plain ${plainClean?.accuracy})`,
  );
  plain.model.dispose();
  hardened.model.dispose();
});
