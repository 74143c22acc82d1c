import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf } from '../../src-main/core/engine/tf.js';
import { bitmapBytes, decodeBitmap, encodeBitmap } from '../../src-main/core/models/weights/sparse-bitmap.js';
import { applyMasks, disposeMasks, magnitudeMasks } from '../../src-main/core/compress/prune-magnitude.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { readModelArtifactHeader } from '../../src-main/core/models/artifact-header.js';
import { AttestError } from '../../src-main/core/errors.js';
import { buildSmallModel, loadBeats, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

test('bitmap encoding round-trips exact bytes, -0 included, and refuses a bitmap that disagrees', () => {
  const values = Float32Array.from([0, 1.5, 0, 0, -0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  const dense = new Uint8Array(values.buffer);
  const sparse = encodeBitmap(dense, 4);
  assert.ok(sparse !== undefined);
  assert.equal(sparse.nonzero, 3, '-0 has a sign bit: stored, so that its bytes come back');
  assert.equal(sparse.bytes.byteLength, bitmapBytes(18, 3, 4));
  assert.deepEqual(decodeBitmap(sparse.bytes, 18, 4, 3, 'w'), dense);
  assert.equal(
    encodeBitmap(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 1),
    undefined,
    'dense data stays dense',
  );
  assert.throws(
    () => decodeBitmap(sparse.bytes, 18, 4, 2, 'w'),
    (e: unknown) => e instanceof AttestError && /bitmap marks more/.test(e.message),
  );
});

test('a pruned model is physically smaller on disk and loads to the same predictions', async () => {
  const model = buildSmallModel();
  const masks = magnitudeMasks(model, 0.9);
  applyMasks(model, masks);
  disposeMasks(masks);
  const { x } = loadBeats();
  for (const weights of ['float32', 'int8'] as const) {
    const bytes = await encodeModelArtifact(model, { weights });
    const header = readModelArtifactHeader(bytes);
    const kernels = header.weightSpecs.filter((s) => s.shape.length >= 2);
    assert.ok(
      kernels.every((s) => s.sparse?.format === 'bitmap'),
      `${weights}: kernels stored sparse`,
    );
    const denseKernelBytes = kernels.reduce(
      (sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * (weights === 'int8' ? 1 : 4),
      0,
    );
    const sparseKernelBytes = kernels.reduce(
      (sum, s) =>
        sum +
        Math.ceil(s.shape.reduce((a, b) => a * b, 1) / 8) +
        (s.sparse?.nonzero ?? 0) * (weights === 'int8' ? 1 : 4),
      0,
    );
    assert.ok(
      sparseKernelBytes < denseKernelBytes / (weights === 'int8' ? 4 : 7),
      `${sparseKernelBytes} vs ${denseKernelBytes}`,
    );
    const { model: loaded } = await decodeModelArtifact(bytes);
    const dense = await encodeModelArtifact(loaded, { weights });
    assert.deepEqual(dense, bytes, 'stable: re-encoding the loaded model gives the same bytes');
    if (weights === 'float32') {
      const difference = tf.tidy(
        () =>
          tf.max(tf.abs(tf.sub(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor))).dataSync()[0],
      );
      assert.equal(difference, 0, 'bit-identical');
    }
    loaded.dispose();
  }
  x.dispose();
  model.dispose();
});
