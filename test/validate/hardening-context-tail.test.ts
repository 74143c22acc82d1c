import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { perturbableMask } from '../../src-main/core/data/sample-dataset.js';
import { hardeningPerturber, parseHardening } from '../../src-main/core/train/adversarial-hardening.js';
import { batchHardening } from '../../src-main/core/validate/batch-hardening.js';
import { weightedCrossEntropy } from '../../src-main/core/train/weighted-loss.js';
import { SliceSteps } from '../../src-main/core/models/slice-steps.js';
import { denseClassifier, prototypeTask, useCpuBackend } from './fixtures.js';

/**
 * Beats with R-R context end in values that say when the heart beat (previous, next, local R-R...): training
 * with --harden or --stability must perturb the waveform before them and never those values, as the attack
 * and noise suites already do.
 */

const SIGNAL = 12;
const TAIL = 4;
const SIZE = SIGNAL + TAIL;
const SHAPE = [SIZE, 1];
const TAIL_SPEC = { length: TAIL, names: ['pre', 'post', 'local', 'ratio'] };

before(useCpuBackend);

/** Largest change of the signal part and of the tail of every sample. */
function changes(before: Float32Array, after: Float32Array): { signal: number; tail: number } {
  let signal = 0;
  let tail = 0;
  for (let k = 0; k < before.length; k++) {
    const d = Math.abs((after[k] as number) - (before[k] as number));
    if (k % SIZE < SIGNAL) signal = Math.max(signal, d);
    else tail = Math.max(tail, d);
  }
  return { signal, tail };
}

test('the mask keeps the last values of each sample, as the dataset declares its tail', () => {
  const mask = perturbableMask(SIZE, TAIL_SPEC) as Float32Array;
  assert.deepEqual(Array.from(mask), [
    ...new Array<number>(SIGNAL).fill(1),
    ...new Array<number>(TAIL).fill(0),
  ]);
});

for (const recipe of ['manifold:0:1', 'pgd:0.2:1', 'diverse:0.2:1']) {
  test(`--harden ${recipe} once an epoch changes the waveform of R-R beats and leaves their tail as it was`, () => {
    const task = prototypeTask(48, 3, { length: SIZE });
    const model = denseClassifier(SHAPE, 3, 8, 2);
    const perturb = (mask?: Float32Array) =>
      hardeningPerturber({
        model,
        sampleShape: SHAPE,
        classes: 3,
        hardening: parseHardening(recipe),
        seed: 7,
        inputKind: 'ecg-beat-rr',
        fs: 360,
        ...(mask !== undefined ? { mask } : {}),
      })(task.inputs, task.labels, 1);
    const masked = changes(task.inputs, perturb(perturbableMask(SIZE, TAIL_SPEC)));
    assert.ok(masked.signal > 0.01, `the waveform moved by up to ${masked.signal}`);
    assert.equal(masked.tail, 0, 'the R-R tail is untouched');
    // Without the mask the same recipe moves the tail too: the mask is what protects it.
    assert.ok(changes(task.inputs, perturb()).tail > 0.01);
    model.dispose();
  });
}

test('--harden diverse batch by batch leaves the R-R tail of every attacked beat as it was', () => {
  const task = prototypeTask(32 * 3, 5, { length: SIZE });
  const model = denseClassifier(SHAPE, 3, 8, 3);
  const hardening = batchHardening({
    model,
    sampleShape: SHAPE,
    classes: 3,
    hardening: parseHardening('diverse:0.2:1'),
    seed: 2,
    mask: perturbableMask(SIZE, TAIL_SPEC) as Float32Array,
  });
  let attacked = 0;
  for (let batch = 0; batch < 3; batch++) {
    const x = task.inputs.slice(batch * 32 * SIZE, (batch + 1) * 32 * SIZE);
    const y = task.labels.slice(batch * 32, (batch + 1) * 32);
    const before = x.slice();
    const { attacks } = hardening.perturbBatch(x, y, 1, batch);
    attacked += attacks.filter((a) => a >= 0).length;
    const moved = changes(before, x);
    assert.ok(moved.signal > 0.01, `batch ${batch}: the waveform moved by up to ${moved.signal}`);
    assert.equal(moved.tail, 0, `batch ${batch}: the R-R tail is untouched`);
  }
  assert.equal(attacked, 96, 'every beat was attacked (fraction 1)');
  model.dispose();
});

test('--stability noise leaves the R-R tail alone: a model that reads only the tail sees no noise', () => {
  // The model reads the tail alone, so the stability term (KL between clean and noisy answers) is zero exactly
  // when the noise spares the tail, and the loss is the plain cross-entropy.
  const input = tfl.input({ shape: SHAPE });
  const tail = new SliceSteps({ begin: SIGNAL, size: TAIL }).apply(input) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten().apply(tail) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
    })
    .apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const task = prototypeTask(32, 9, { length: SIZE });
  const x = tf.tensor(task.inputs, [32, ...SHAPE]);
  const labels = tf.tensor1d(task.labels, 'int32');
  const weights = tf.ones([32]) as tf.Tensor1D;
  const loss = (stability?: { alpha: number; sigma: number; seed: number; mask?: Float32Array }) => {
    const value = weightedCrossEntropy(model, x, labels, weights, 3, 1 / 32, stability);
    const number = value.dataSync()[0] as number;
    value.dispose();
    return number;
  };
  const plain = loss();
  const mask = perturbableMask(SIZE, TAIL_SPEC) as Float32Array;
  assert.equal(loss({ alpha: 1, sigma: 0.5, seed: 3, mask }), plain);
  // Unmasked, the same noise reaches the tail and the term adds to the loss.
  assert.ok(loss({ alpha: 1, sigma: 0.5, seed: 3 }) > plain + 1e-4);
  tf.dispose([x, labels, weights]);
  model.dispose();
});
