import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { importOnnx } from '../../src-main/core/models/onnx/import-onnx.js';
import { fixtureBytes, fixtureNpy, maxAbsDifference, ortOutput, tfOutput } from './onnx-helpers.js';

// Networks exported by PyTorch itself (test/fixtures/models/make-torch-onnx.py), with PyTorch's outputs.
for (const name of ['torch-cnn2d-opset11', 'torch-cnn1d-opset17']) {
  test(`${name}: the conversion and ONNX Runtime both match PyTorch within 1e-4`, async () => {
    await initEngine();
    const bytes = fixtureBytes(`${name}.onnx`);
    const input = fixtureNpy(`${name}.input.npy`);
    const expected = fixtureNpy(`${name}.output.npy`);
    const imported = await importOnnx(bytes, `${name}.onnx`);
    try {
      const rank = input.shape.length;
      const channelsLast = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
      assert.deepEqual(imported.model.inputs[0]?.shape, [
        null,
        ...channelsLast.slice(1).map((axis) => input.shape[axis]),
      ]);
      const ortDiff = maxAbsDifference(await ortOutput(bytes, input.data, input.shape), expected.data);
      assert.ok(ortDiff < 1e-4, `ONNX Runtime vs PyTorch ${ortDiff}`);
      const tfDiff = maxAbsDifference(
        tfOutput(imported.model, input.data, input.shape, channelsLast),
        expected.data,
      );
      assert.ok(tfDiff < 1e-4, `TF.js conversion vs PyTorch ${tfDiff}`);
      assert.equal(
        imported.outputsProbabilities,
        name.includes('1d'),
        'the 1-D network ends in softmax, the 2-D in logits',
      );
    } finally {
      imported.model.dispose();
    }
  });
}
