import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { tfl } from '../../src-main/core/engine/tf.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { exportOnnx, exportOnnxWithReport } from '../../src-main/core/models/onnx/export-onnx.js';
import { readInt8Weights } from '../../src-main/core/models/onnx/int8-weights.js';
import { importOnnx } from '../../src-main/core/models/onnx/import-onnx.js';
import { decodeModelProto } from '../../src-main/core/models/onnx/onnx-proto.js';
import {
  DYNAMIC_QUANT_TOLERANCE,
  EXPORT_TOLERANCE,
  QDQ_TOLERANCE,
} from '../../src-main/core/models/onnx/check-export.js';
import { maxAbsDifference, ortOutput, seededValues, tfOutput } from './onnx-helpers.js';

const BATCH = 6;

/** ONNX Runtime on the exported file vs TF.js predict, on the same seeded batch in Attest's layout. */
async function exportedDifference(model: tfl.LayersModel, sampleShape: number[], seed: number) {
  const bytes = exportOnnx(model);
  const dims = [BATCH, ...sampleShape];
  // Beat-like values in [0, 1): the range the models are trained on.
  const data = seededValues(
    dims.reduce((a, d) => a * d, 1),
    seed,
  ).map((v) => (v + 1) / 2);
  const ort = await ortOutput(bytes, data, dims);
  const expected = tfOutput(
    model,
    data,
    dims,
    dims.map((_, i) => i),
  );
  return { bytes, difference: maxAbsDifference(ort, expected) };
}

const CASES: { arch: string; sampleShape: number[]; classes: number }[] = [
  { arch: 'ecg-resnet', sampleShape: [187, 1], classes: 5 },
  { arch: 'ecg-resnet-q8', sampleShape: [187, 1], classes: 5 },
  { arch: 'ecg-resnet-wta', sampleShape: [187, 1], classes: 5 },
  { arch: 'small-cnn', sampleShape: [32, 32, 1], classes: 3 },
  { arch: 'mobilenet-student', sampleShape: [40, 36, 3], classes: 4 },
  { arch: 'resnet-small', sampleShape: [40, 36, 3], classes: 4 },
  { arch: 'resnet18', sampleShape: [28, 28, 1], classes: 2 },
];

for (const { arch, sampleShape, classes } of CASES) {
  // ecg-resnet-q8 rounds its activations to 8 bits: see DYNAMIC_QUANT_TOLERANCE for why it has its own bound.
  const tolerance = arch === 'ecg-resnet-q8' ? DYNAMIC_QUANT_TOLERANCE : EXPORT_TOLERANCE;
  test(`${arch} exports to ONNX and ONNX Runtime matches TF.js predict within ${tolerance}`, async () => {
    await initEngine();
    const model = ARCHITECTURES[arch]?.build({ sampleShape, classes, seed: 5 });
    assert.ok(model !== undefined);
    const { bytes, difference } = await exportedDifference(model, sampleShape, 31);
    assert.ok(difference < tolerance, `${arch}: ONNX Runtime vs TF.js ${difference}`);
    const proto = decodeModelProto(bytes);
    assert.equal(proto.opsetImport?.[0]?.version, 13);
    const dims = proto.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.map((d) => d.dimValue ?? d.dimParam);
    assert.deepEqual(dims, ['batch', ...sampleShape], 'the file reads Attest layout');
    model.dispose();
  });
}

test('an int8 child exports with its kernels dequantized and matches its TF.js predictions', async () => {
  await initEngine();
  const parent = ARCHITECTURES['ecg-resnet']?.build({ sampleShape: [187, 1], classes: 5, seed: 8 });
  assert.ok(parent !== undefined);
  const { model: child } = await decodeModelArtifact(await encodeModelArtifact(parent, { weights: 'int8' }));
  const parentBytes = exportOnnx(parent);
  const { bytes, difference } = await exportedDifference(child, [187, 1], 32);
  assert.ok(difference < 1e-4, `int8 child: ONNX Runtime vs TF.js ${difference}`);
  assert.notDeepEqual(bytes, parentBytes, 'the child exports its own (rounded) weights');
  parent.dispose();
  child.dispose();
});

test('an exported model imports back (channels last) to the same predictions', async () => {
  await initEngine();
  const model = ARCHITECTURES['ecg-resnet']?.build({ sampleShape: [187, 1], classes: 5, seed: 9 });
  assert.ok(model !== undefined);
  const imported = await importOnnx(exportOnnx(model), 'ecg-resnet.onnx', { layout: 'channels-last' });
  assert.deepEqual(imported.model.inputs[0]?.shape, [null, 187, 1]);
  assert.equal(imported.outputsProbabilities, true);
  const data = seededValues(BATCH * 187, 40);
  const dims = [BATCH, 187, 1];
  const difference = maxAbsDifference(
    tfOutput(model, data, dims, [0, 1, 2]),
    tfOutput(imported.model, data, dims, [0, 1, 2]),
  );
  assert.ok(difference < 1e-5, `re-imported vs original ${difference}`);
  model.dispose();
  imported.model.dispose();
});

test('a Sequential model with strided same-padded convolutions, batch norm and average pooling exports and matches', async () => {
  await initEngine();
  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [15, 13, 2],
        filters: 6,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        kernelInitializer: seeded(1),
      }),
      tfl.layers.batchNormalization({
        movingMeanInitializer: 'ones',
        movingVarianceInitializer: tfl.initializers.constant({ value: 2 }),
        gammaInitializer: seeded(2),
        betaInitializer: seeded(3),
      }),
      tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.maxPooling2d({ poolSize: 2, padding: 'valid' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(4) }),
    ],
  });
  const { difference } = await exportedDifference(model, [15, 13, 2], 33);
  assert.ok(difference < EXPORT_TOLERANCE, `ONNX Runtime vs TF.js ${difference}`);
  model.dispose();
});

test('int8 children export as QDQ (int8 kernels, per-channel or per-tensor scales) computing what TF.js computes', async () => {
  await initEngine();
  for (const { arch, sampleShape, classes, kernels, share } of [
    { arch: 'ecg-resnet', sampleShape: [187, 1], classes: 5, kernels: 14, share: 0.4 },
    // Depthwise kernels with a depth multiplier of 1 have one scale: per tensor. Its ~21k parameters include
    // 2.2k batch-norm values (four per channel, kept in float), so the file shrinks less than by 4.
    { arch: 'mobilenet-student', sampleShape: [40, 36, 3], classes: 4, kernels: 14, share: 0.5 },
    { arch: 'resnet-small', sampleShape: [40, 36, 3], classes: 4, kernels: 10, share: 0.4 },
  ]) {
    const parent = ARCHITECTURES[arch]?.build({ sampleShape, classes, seed: 12 });
    assert.ok(parent !== undefined);
    const artifact = await encodeModelArtifact(parent, { weights: 'int8' });
    const { model: child } = await decodeModelArtifact(artifact);
    const exported = exportOnnxWithReport(child, { int8: readInt8Weights(artifact) });
    assert.equal(exported.qdqKernels, kernels, arch);
    assert.equal(exported.dequantizedInt8Kernels, 0, arch);
    const dims = [BATCH, ...sampleShape];
    const data = seededValues(
      dims.reduce((a, d) => a * d, 1),
      34,
    ).map((v) => (v + 1) / 2);
    const expected = tfOutput(
      child,
      data,
      dims,
      dims.map((_, i) => i),
    );
    // Without ONNX Runtime's int8 rewrites the file computes exactly what TF.js computes: the encoding is right.
    const basic = await ort.InferenceSession.create(exported.bytes, { graphOptimizationLevel: 'basic' });
    const input = new ort.Tensor('float32', Float32Array.from(data), dims);
    const plain = (await basic.run({ input }))['output']?.data as Float32Array;
    await basic.release();
    const exact = maxAbsDifference(plain, expected);
    assert.ok(exact < EXPORT_TOLERANCE, `${arch} QDQ, basic optimizations: ONNX Runtime vs TF.js ${exact}`);
    // By default ONNX Runtime runs those layers in int8 arithmetic.
    const difference = maxAbsDifference(await ortOutput(exported.bytes, data, dims), expected);
    assert.ok(difference < QDQ_TOLERANCE, `${arch} QDQ: ONNX Runtime vs TF.js ${difference}`);
    assert.ok(
      exported.bytes.length < share * exportOnnx(child).length,
      `${arch}: int8 kernels make a smaller file`,
    );
    parent.dispose();
    child.dispose();
  }
});
