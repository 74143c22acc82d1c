import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { exportOnnx } from '../../src-main/core/models/onnx/export-onnx.js';
import { RR_FEATURE_COUNT, RR_SECONDS_FEATURES } from '../../src-main/core/data/ecg/rr-features.js';
import { maxAbsDifference, ortOutput, seededValues, tfOutput } from './onnx-helpers.js';

test('ecg-resnet-rr (waveform and R-R tail sliced apart, joined before the classifier) stores, reloads and exports to ONNX with the same predictions', async () => {
  await initEngine();
  const sampleShape = [187 + RR_FEATURE_COUNT, 1];
  const built = ARCHITECTURES['ecg-resnet-rr']!.build({ sampleShape, classes: 5, seed: 4 });
  // Through the artifact format, as every stored model is: the slicing layer must deserialize.
  const { model } = await decodeModelArtifact(
    await encodeModelArtifact(built, { meta: {} }),
    'ecg-resnet-rr',
  );
  built.dispose();
  const dims = [6, ...sampleShape];
  const data = seededValues(
    dims.reduce((a, d) => a * d, 1),
    17,
  );
  // R-R values in seconds and ratios, so that the tail's branch is not all zeros after its ReLU.
  for (let k = 0; k < 6; k++)
    for (let f = 0; f < RR_FEATURE_COUNT; f++) data[k * sampleShape[0]! + 187 + f] = 0.6 + 0.1 * f + 0.05 * k;
  const expected = tfOutput(
    model,
    data,
    dims,
    dims.map((_, i) => i),
  );
  const onnx = await ortOutput(exportOnnx(model), data, dims);
  assert.ok(
    maxAbsDifference(onnx, expected) < 1e-4,
    `ONNX Runtime vs TF.js ${maxAbsDifference(onnx, expected)}`,
  );
  const outputWith = (feature: number): Float32Array => {
    const shifted = Float64Array.from(data);
    for (let k = 0; k < 6; k++) shifted[k * sampleShape[0]! + 187 + feature] = 3;
    return tfOutput(
      model,
      shifted,
      dims,
      dims.map((_, i) => i),
    );
  };
  // The tail matters: other R-R ratios give other probabilities.
  assert.ok(maxAbsDifference(outputWith(RR_SECONDS_FEATURES), expected) > 1e-4);
  // The intervals in seconds (the patient's heart rate) are left unread.
  for (let f = 0; f < RR_SECONDS_FEATURES; f++) assert.equal(maxAbsDifference(outputWith(f), expected), 0);
  model.dispose();
});
