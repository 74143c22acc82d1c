import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';

test('small-cnn and mobilenet-student: registered for images, seeded, 64 to 224 px, no tensor left behind', async () => {
  await initEngine('wasm');
  for (const arch of ['small-cnn', 'mobilenet-student']) {
    const architecture = ARCHITECTURES[arch];
    assert.ok(architecture !== undefined, arch);
    assert.deepEqual(architecture.inputKinds, ['image']);
    const before = tf.memory().numTensors;
    for (const [size, channels] of [
      [64, 1],
      [224, 3],
    ] as const) {
      const a = architecture.build({ sampleShape: [size, size, channels], classes: 3, seed: 7 });
      const b = architecture.build({ sampleShape: [size, size, channels], classes: 3, seed: 7 });
      const c = architecture.build({ sampleShape: [size, size, channels], classes: 3, seed: 8 });
      const weights = (m: tfl.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
      assert.deepEqual(weights(a), weights(b), `${arch} is seeded`);
      assert.notDeepEqual(weights(a), weights(c));
      const probabilities = tf.tidy(() => {
        const x = tf.randomNormal([2, size, size, channels], 0, 1, 'float32', 3);
        return Array.from((a.predict(x) as tf.Tensor).dataSync());
      });
      assert.equal(probabilities.length, 6);
      assert.ok(
        Math.abs(
          (probabilities[0] as number) + (probabilities[1] as number) + (probabilities[2] as number) - 1,
        ) < 1e-5,
      );
      // The artifact round trip keeps the outputs (models load uncompiled).
      const { model: loaded } = await decodeModelArtifact(await encodeModelArtifact(a, { meta: {} }), arch);
      const again = tf.tidy(() => {
        const x = tf.randomNormal([2, size, size, channels], 0, 1, 'float32', 3);
        return Array.from((loaded.predict(x) as tf.Tensor).dataSync());
      });
      again.forEach((v, i) => assert.ok(Math.abs(v - (probabilities[i] as number)) < 1e-6));
      for (const m of [a, b, c, loaded]) m.dispose();
    }
    assert.equal(tf.memory().numTensors, before, `${arch} leaked tensors`);
  }
  const mobilenet = ARCHITECTURES['mobilenet-student'];
  assert.throws(
    () => mobilenet?.build({ sampleShape: [16, 16, 1], classes: 2, seed: 1 }),
    /32 to 512 px images/,
  );
  assert.throws(
    () => ARCHITECTURES['small-cnn']?.build({ sampleShape: [187, 1], classes: 2, seed: 1 }),
    /reads images \[height, width, channels\]/,
  );
  assert.throws(
    () => ARCHITECTURES['small-cnn']?.build({ sampleShape: [64, 64, 1], classes: 1, seed: 1 }),
    /at least 2 classes/,
  );
});
