import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { importOnnx } from '../../src-main/core/models/onnx/import-onnx.js';
import { transposeData } from '../../src-main/core/models/onnx/onnx-tensors.js';
import { fixtureBytes, fixtureNpy, maxAbsDifference, ortOutput, tfOutput } from './onnx-helpers.js';

// ecg-resnet-pytorch.onnx: a residual 1-D CNN trained and exported by PyTorch 1.13 (opset 13, input [batch, 1,
// 187] channels first); its reference output was computed by PyTorch itself (see test/fixtures/models/README.md).
const FILE = 'ecg-resnet-pytorch.onnx';

test('the PyTorch ECG ResNet converts to TF.js and both it and ONNX Runtime match PyTorch within 1e-4', async () => {
  await initEngine();
  const bytes = fixtureBytes(FILE);
  const input = fixtureNpy('reference-input.npy');
  const expected = fixtureNpy('ecg-resnet-pytorch.reference-output.npy');
  assert.deepEqual(input.shape, [64, 187, 1]);
  assert.deepEqual(expected.shape, [64, 5]);

  const imported = await importOnnx(bytes, FILE);
  try {
    assert.equal(imported.layout, 'channels-first');
    assert.deepEqual(imported.fileInputShape, [1, 187]);
    assert.deepEqual(imported.model.inputs[0]?.shape, [null, 187, 1]);
    assert.deepEqual(imported.model.outputs[0]?.shape, [null, 5]);
    assert.equal(imported.inputName, 'beat');
    assert.equal(imported.outputName, 'probabilities');
    assert.equal(imported.opset, 13);
    assert.equal(imported.producerName, 'pytorch');
    assert.equal(imported.outputsProbabilities, true);
    assert.ok(imported.maxAbsDifference < 1e-4, `import check ${imported.maxAbsDifference}`);

    // ONNX Runtime reads the file's layout [64, 1, 187]; the converted model Attest's [64, 187, 1].
    const channelsFirst = transposeData(input.data, [64, 187, 1], [0, 2, 1]);
    const ort = await ortOutput(bytes, channelsFirst, [64, 1, 187]);
    const ortDiff = maxAbsDifference(ort, expected.data);
    assert.ok(ortDiff < 1e-4, `ONNX Runtime vs PyTorch ${ortDiff}`);
    const converted = tfOutput(imported.model, input.data, [64, 187, 1], [0, 1, 2]);
    const tfDiff = maxAbsDifference(converted, expected.data);
    assert.ok(tfDiff < 1e-4, `TF.js conversion vs PyTorch ${tfDiff}`);
  } finally {
    imported.model.dispose();
  }
});

test('gradients flow through the converted PyTorch model to its input', async () => {
  await initEngine();
  const imported = await importOnnx(fixtureBytes(FILE), FILE);
  const input = fixtureNpy('reference-input.npy');
  const x = tf.tensor3d(Float32Array.from(input.data.subarray(0, 8 * 187)), [8, 187, 1]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32'), 5);
  const lossOf = (inputs: tf.Tensor): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(labels, imported.model.apply(inputs) as tf.Tensor) as tf.Scalar;
  const gradient = tf.grad(lossOf)(x);
  const values = gradient.dataSync();
  assert.ok(values.every(Number.isFinite), 'every input gradient is finite');
  assert.ok(
    values.some((v) => Math.abs(v) > 1e-9),
    'some input gradient is nonzero',
  );
  tf.dispose([x, labels, gradient]);
  imported.model.dispose();
});

test('a converted model stores as an Attest artifact and reloads with the same predictions', async () => {
  await initEngine();
  const imported = await importOnnx(fixtureBytes(FILE), FILE);
  const input = fixtureNpy('reference-input.npy');
  const { model: reloaded } = await decodeModelArtifact(await encodeModelArtifact(imported.model), FILE);
  const before = tfOutput(imported.model, input.data, [64, 187, 1], [0, 1, 2]);
  const after = tfOutput(reloaded, input.data, [64, 187, 1], [0, 1, 2]);
  assert.equal(maxAbsDifference(before, after), 0);
  imported.model.dispose();
  reloaded.dispose();
});
