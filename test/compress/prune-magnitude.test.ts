import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { countParams } from '../../src-main/core/compress/model-size.js';
import {
  applyMasks,
  disposeMasks,
  magnitudeMasks,
  prunableWeights,
  PruneMaskCallback,
} from '../../src-main/core/compress/prune-magnitude.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { buildSmallModel, loadBeats, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

const zerosIn = (values: ArrayLike<number>): number =>
  Array.prototype.filter.call(values, (v) => v === 0).length;

test('prunableWeights are the conv and dense kernels, not biases or normalization', () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [16, 1], filters: 4, kernelSize: 3 }),
      tfl.layers.batchNormalization(),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  const names = prunableWeights(model).map((weight) => weight.originalName);
  assert.equal(names.length, 2);
  assert.match(names[0] as string, /^conv1d_Conv1D\d+\/kernel$/);
  assert.match(names[1] as string, /^dense_Dense\d+\/kernel$/);
  assert.equal(model.weights.length, 8, 'two biases and four batch-norm weights are left alone');
  const baseline = tf.memory().numTensors;
  // Non-trainable weights (batch-norm moving statistics) count as parameters, as in model.countParams; biases,
  // beta and the moving mean start at zero (4 + 2 + 4 + 4).
  assert.deepEqual(countParams(model), { params: model.countParams(), nonzero: model.countParams() - 14 });
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
});

test('per-layer masks zero exactly round(sparsity * n) of each kernel, the smallest ones', () => {
  const model = buildSmallModel();
  const baseline = tf.memory().numTensors;
  const masks = magnitudeMasks(model, 0.8);
  const kernels = prunableWeights(model);
  assert.equal(tf.memory().numTensors, baseline + kernels.length, 'one mask tensor per kernel');
  assert.equal(masks.size, kernels.length);
  const before = countParams(model);
  for (const kernel of kernels) {
    const mask = masks.get(kernel.originalName);
    assert.ok(mask !== undefined);
    assert.deepEqual(mask.shape, kernel.shape);
    const maskValues = mask.dataSync();
    const n = maskValues.length;
    assert.equal(zerosIn(maskValues), Math.round(0.8 * n), kernel.originalName);
    // Every pruned magnitude is <= every kept magnitude.
    const values = kernel.read().dataSync();
    let largestPruned = 0;
    let smallestKept = Infinity;
    values.forEach((v, i) => {
      if (maskValues[i] === 0) largestPruned = Math.max(largestPruned, Math.abs(v));
      else smallestKept = Math.min(smallestKept, Math.abs(v));
    });
    assert.ok(largestPruned <= smallestKept, kernel.originalName);
  }

  applyMasks(model, masks);
  assert.equal(tf.memory().numTensors, baseline + kernels.length, 'applyMasks leaks no tensor');
  let pruned = 0;
  for (const kernel of kernels) {
    const n = kernel.read().size;
    const zeros = zerosIn(kernel.read().dataSync());
    assert.ok(Math.abs(zeros - 0.8 * n) <= 1, `${kernel.originalName}: ${zeros} zeros of ${n}`);
    pruned += Math.round(0.8 * n);
  }
  const after = countParams(model);
  assert.equal(after.params, before.params);
  assert.equal(after.params, model.countParams());
  assert.equal(before.nonzero, before.params, 'a fresh model has no exact zeros');
  assert.equal(after.nonzero, before.params - pruned);
  assert.equal(tf.memory().numTensors, baseline + kernels.length, 'countParams leaks no tensor');

  disposeMasks(masks);
  assert.equal(masks.size, 0);
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
});

test('global masks reach the overall sparsity, ties at the threshold included', () => {
  const model = buildSmallModel();
  const kernels = prunableWeights(model);
  const total = kernels.reduce((sum, kernel) => sum + kernel.read().size, 0);
  const baseline = tf.memory().numTensors;
  const masks = magnitudeMasks(model, 0.5, 'global');
  const zeros = [...masks.values()].reduce((sum, mask) => sum + zerosIn(mask.dataSync()), 0);
  assert.equal(zeros, Math.round(0.5 * total));
  applyMasks(model, masks);
  disposeMasks(masks);

  // Pruning again to a higher sparsity: half the weights are now tied at 0, the count must stay exact.
  const again = magnitudeMasks(model, 0.7, 'global');
  assert.equal(
    [...again.values()].reduce((sum, mask) => sum + zerosIn(mask.dataSync()), 0),
    Math.round(0.7 * total),
  );
  disposeMasks(again);
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
});

test('PruneMaskCallback keeps the pruned weights at zero through a fine-tune on real beats', async () => {
  const model = buildSmallModel();
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const beats = loadBeats();
  const masks = magnitudeMasks(model, 0.8);
  applyMasks(model, masks);
  const kernels = prunableWeights(model);
  const prunedBefore = kernels.map((kernel) => Array.from(kernel.read().dataSync(), (v) => v === 0));
  const baseline = tf.memory().numTensors;

  const history = await model.fit(beats.x, beats.y, {
    epochs: 4,
    batchSize: 32,
    shuffle: false,
    verbose: 0,
    callbacks: [new PruneMaskCallback(model, masks)],
  });
  // Adam creates its two moment estimates per trainable weight on the first step: those, and nothing else.
  assert.equal(
    tf.memory().numTensors,
    baseline + model.trainableWeights.length * 2,
    'fit with the callback leaks no tensor',
  );

  kernels.forEach((kernel, index) => {
    const values = kernel.read().dataSync();
    prunedBefore[index]?.forEach((wasZero, i) => {
      if (wasZero) assert.ok(Object.is(values[i], 0), `${kernel.originalName}[${i}] is ${values[i]}, not +0`);
    });
  });
  const losses = history.history.loss as number[];
  assert.ok(
    (losses.at(-1) as number) < (losses[0] as number),
    `the fine-tune learns (loss ${losses.join(' -> ')})`,
  );

  // Without the callback the same fine-tune revives pruned weights: the callback is what keeps them.
  await model.fit(beats.x, beats.y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const revived = kernels.some((kernel, index) =>
    Array.from(kernel.read().dataSync()).some((v, i) => prunedBefore[index]?.[i] === true && v !== 0),
  );
  assert.ok(revived);

  disposeMasks(masks);
  tf.dispose([beats.x, beats.y]);
  model.dispose();
});
