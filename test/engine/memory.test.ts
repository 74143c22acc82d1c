import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { assertNoLeak, assertNoLeakAsync } from '../../src-main/core/engine/memory.js';
import { tf } from '../../src-main/core/engine/tf.js';

before(() => initEngine('cpu'));

test('assertNoLeak passes tidy code and returned tensors, and catches a leak', () => {
  const kept = tf.ones([2]);
  const sum = assertNoLeak('tidy sum', () => tf.tidy(() => tf.add(tf.ones([3]), tf.ones([3]))));
  assert.deepEqual(Array.from(sum.dataSync()), [2, 2, 2]);
  const pair = assertNoLeak('pair', () => ({ a: tf.zeros([1]), b: [tf.zeros([1]), kept] }));
  assert.equal(pair.b[1], kept, 'returning a tensor that existed before is not counted as new');
  assert.throws(
    () => assertNoLeak('leaky', () => tf.square(tf.ones([2])).dispose()),
    (error: Error) => /leaky: leaked 1 tensor/.test(error.message),
  );
  assert.throws(
    () => assertNoLeak('disposer', () => kept.dispose()),
    /disposed 1 tensor\(s\) it did not own/,
  );
  tf.dispose([sum, pair.a, ...pair.b]);
});

test('assertNoLeakAsync checks after the promise settles', async () => {
  const before = tf.memory().numTensors;
  const value = await assertNoLeakAsync('read', async () => {
    const t = tf.range(0, 4);
    const data = await t.data();
    t.dispose();
    return Array.from(data);
  });
  assert.deepEqual(value, [0, 1, 2, 3]);
  await assert.rejects(
    assertNoLeakAsync('async leak', async () => {
      tf.ones([1]);
    }),
    /async leak: leaked 1 tensor/,
  );
  assert.equal(tf.memory().numTensors, before + 1, 'the deliberately leaked tensor is the only one left');
});
