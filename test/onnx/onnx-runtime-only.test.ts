import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { importOnnx, OnnxConversionError } from '../../src-main/core/models/onnx/import-onnx.js';
import { OnnxGraphBuilder } from '../../src-main/core/models/onnx/onnx-builder.js';
import { openOnnxRuntimeModel } from '../../src-main/core/models/onnx/onnx-runtime-model.js';
import { transposeData } from '../../src-main/core/models/onnx/onnx-tensors.js';
import { maxAbsDifference, ortOutput, seededValues } from './onnx-helpers.js';

/** [batch, 2, 16] -> Conv -> Erf (which Attest does not convert) -> Flatten: [batch, 48]. */
function erfGraph(): Uint8Array {
  const b = new OnnxGraphBuilder(13).input('x', ['batch', 2, 16]).output('y', ['batch', 48]);
  const w = b.floats('w', Array.from(seededValues(18, 60)), [3, 2, 3]);
  const conv = b.node('Conv', ['x', w], { pads: { ints: [1, 1] } });
  b.node('Flatten', [b.node('Erf', [conv])], { axis: { i: 1 } }, ['y']);
  return b.encode();
}

test('a graph that cannot be converted is refused as a conversion error, naming the operator, and frees what it built', async () => {
  await initEngine();
  const before = tf.memory().numTensors;
  await assert.rejects(importOnnx(erfGraph(), 'erf.onnx'), (error: unknown) => {
    assert.ok(error instanceof OnnxConversionError);
    assert.equal(error.operator, 'Erf');
    assert.equal(error.code, 'BAD_INPUT');
    return true;
  });
  assert.equal(tf.memory().numTensors, before, 'the convolution made before Erf left no weights behind');
});

test('ONNX Runtime alone runs such a graph on inputs in Attest layout, in batches', async () => {
  const bytes = erfGraph();
  const model = await openOnnxRuntimeModel(bytes, 'erf.onnx');
  try {
    assert.deepEqual(model.inputShape, [16, 2]);
    assert.equal(model.layout, 'channels-first');
    assert.equal(model.outputsProbabilities, false);
    const n = 5;
    const fileLayout = seededValues(n * 2 * 16, 61);
    const expected = await ortOutput(bytes, fileLayout, [n, 2, 16]);
    const attestLayout = Float32Array.from(transposeData(fileLayout, [n, 2, 16], [0, 2, 1]));
    const predicted = await model.predict(attestLayout, n, 2);
    assert.equal(predicted.length, n * 48);
    assert.equal(maxAbsDifference(predicted, expected), 0);
  } finally {
    await model.close();
  }
});
