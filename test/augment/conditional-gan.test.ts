import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { buildDiscriminator, buildGenerator } from '../../src-main/core/generative/conditional-gan.js';
import { trainConditionalGan } from '../../src-main/core/generative/train-gan.js';
import { generatePatches } from '../../src-main/core/generative/generate-patches.js';
import { mammogramPatches } from './patches.js';

test('generator and discriminator: patch sizes from 16 to 64 px, odd sizes cropped, seeded', async () => {
  await initEngine('wasm');
  const before = tf.memory().numTensors;
  for (const [height, width] of [
    [16, 16],
    [28, 28],
    [30, 24],
    [64, 64],
  ] as const) {
    const shape = { height, width, channels: 1, classes: 3, latent: 16 };
    const generator = buildGenerator(shape, 1);
    const twin = buildGenerator(shape, 1);
    const discriminator = buildDiscriminator(shape, 1);
    const [made, again, score] = tf.tidy(() => {
      const z = tf.randomNormal([2, 16], 0, 1, 'float32', 5);
      const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
      const image = generator.predict([z, y]) as tf.Tensor;
      return [
        image.arraySync() as number[][][][],
        (twin.predict([z, y]) as tf.Tensor).arraySync() as number[][][][],
        (discriminator.predict([image, y]) as tf.Tensor).shape,
      ] as const;
    });
    assert.deepEqual(
      [made.length, made[0]?.length, made[0]?.[0]?.length, made[0]?.[0]?.[0]?.length],
      [2, height, width, 1],
    );
    assert.deepEqual(made, again, 'same seed, same generator');
    assert.ok(
      made.flat(3).every((v) => v >= -1 && v <= 1),
      'tanh outputs',
    );
    assert.deepEqual(score, [2, 1]);
    for (const m of [generator, twin, discriminator]) m.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => buildGenerator({ height: 8, width: 8, channels: 1, classes: 2, latent: 16 }, 1),
    /16 to 128 px/,
  );
});

test('GAN training: reproducible with a seed, cancellable, no tensor left behind', async () => {
  await initEngine('wasm');
  const { pixels, labels } = mammogramPatches(40, 16, 6);
  const shape = { height: 16, width: 16, channels: 1, classes: 2, latent: 16 };
  const before = tf.memory().numTensors;
  const run = async () => {
    const trained = await trainConditionalGan({
      pixels,
      labels,
      shape,
      epochs: 2,
      batchSize: 16,
      learningRate: 2e-4,
      seed: 3,
      signal: new AbortController().signal,
    });
    try {
      return { history: trained.history, patches: generatePatches(trained.generator, shape, [3, 2], 9) };
    } finally {
      trained.generator.dispose();
    }
  };
  const first = await run();
  const second = await run();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.equal(first.history.length, 2);
  assert.ok(
    first.history.every((h) => Number.isFinite(h.discriminatorLoss) && h.realScore > 0 && h.realScore < 1),
  );
  assert.deepEqual(second.history, first.history, 'same seed, same training');
  assert.deepEqual(second.patches.pixels, first.patches.pixels, 'same seed, same patches');
  assert.deepEqual(Array.from(first.patches.labels), [0, 0, 0, 1, 1]);
  assert.ok(first.patches.pixels.every((v) => v >= 0 && v <= 1));
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    trainConditionalGan({
      pixels,
      labels,
      shape,
      epochs: 1,
      batchSize: 16,
      learningRate: 2e-4,
      seed: 3,
      signal: controller.signal,
    }),
    /cancelled/,
  );
  assert.equal(tf.memory().numTensors, before, 'a cancelled training frees its tensors');
});
