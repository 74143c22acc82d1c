import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { importOnnx } from '../../src-main/core/models/onnx/import-onnx.js';
import { OnnxGraphBuilder } from '../../src-main/core/models/onnx/onnx-builder.js';
import { maxAbsDifference, ortOutput, seededValues, tfOutput } from './onnx-helpers.js';

// Small graphs written with Attest's own ONNX encoder, each converted and compared with ONNX Runtime on seeded
// inputs the import's probe never saw.

function weights(b: OnnxGraphBuilder, name: string, dims: number[], seed: number, scale = 0.5): string {
  const n = dims.reduce((a, d) => a * d, 1);
  return b.floats(
    name,
    Array.from(seededValues(n, seed), (v) => v * scale),
    dims,
  );
}

async function compare(
  bytes: Uint8Array,
  name: string,
  fileDims: number[],
  perm: number[],
  layout?: 'channels-first' | 'channels-last',
) {
  const imported = await importOnnx(bytes, name, layout !== undefined ? { layout } : {});
  const data = seededValues(
    fileDims.reduce((a, d) => a * d, 1),
    77,
  );
  const ort = await ortOutput(bytes, data, fileDims);
  const converted = tfOutput(imported.model, data, fileDims, perm);
  assert.ok(Math.max(...ort) - Math.min(...ort) > 1e-3, 'the graph computes something that varies');
  return { imported, difference: maxAbsDifference(ort, converted), ort };
}

test('a 2-D conv net (batch norm, asymmetric pads, depthwise, ceil-mode pooling, Flatten after convolutions, Gemm) matches ONNX Runtime', async () => {
  await initEngine();
  const b = new OnnxGraphBuilder(13).input('image', ['batch', 3, 12, 10]).output('probs', ['batch', 4]);
  let x = b.node('Conv', ['image', weights(b, 'w1', [8, 3, 3, 3], 1), weights(b, 'b1', [8], 2)], {
    kernel_shape: { ints: [3, 3] },
    pads: { ints: [1, 1, 1, 1] },
  });
  const positive = Array.from(seededValues(8, 3), (v) => 1 + v * 0.5);
  x = b.node(
    'BatchNormalization',
    [
      x,
      b.floats('g', positive, [8]),
      weights(b, 'beta', [8], 4),
      weights(b, 'mean', [8], 5),
      b.floats('var', positive, [8]),
    ],
    { epsilon: { f: 1e-3 } },
  );
  x = b.node('Relu', [x]);
  x = b.node('Conv', [x, weights(b, 'w2', [8, 8, 3, 3], 6, 0.3)], {
    strides: { ints: [2, 2] },
    pads: { ints: [0, 0, 1, 1] },
  });
  x = b.node('LeakyRelu', [x], { alpha: { f: 0.2 } });
  x = b.node('Conv', [x, weights(b, 'w3', [16, 1, 3, 3], 7), weights(b, 'b3', [16], 8)], {
    group: { i: 8 },
    pads: { ints: [1, 1, 1, 1] },
  });
  x = b.node('Clip', [x, b.floats('lo', [0], []), b.floats('hi', [6], [])]);
  x = b.node('Clip', [x, b.floats('lo2', [-0.5], []), b.floats('hi2', [0.7], [])]);
  x = b.node('MaxPool', [x], {
    kernel_shape: { ints: [2, 2] },
    strides: { ints: [2, 2] },
    ceil_mode: { i: 1 },
  });
  x = b.node('Flatten', [x], { axis: { i: 1 } });
  x = b.node('Gemm', [x, weights(b, 'wd', [4, 144], 9, 0.2), weights(b, 'bd', [4], 10)], {
    transB: { i: 1 },
    alpha: { f: 0.5 },
    beta: { f: 2 },
  });
  b.node('Softmax', [x], { axis: { i: -1 } }, ['probs']);
  const { imported, difference } = await compare(b.encode(), 'conv2d.onnx', [5, 3, 12, 10], [0, 2, 3, 1]);
  assert.deepEqual(imported.model.inputs[0]?.shape, [null, 12, 10, 3]);
  assert.equal(imported.layout, 'channels-first');
  assert.equal(imported.outputsProbabilities, true);
  assert.ok(difference < 1e-4, `conversion vs ONNX Runtime ${difference}`);
  assert.ok(imported.maxAbsDifference < 1e-4);
  imported.model.dispose();
});

test('a 1-D graph (reflect Pad, dilation, Concat, average pooling, Transpose, MatMul, constants, Squeeze, a Shape-computed Reshape) matches ONNX Runtime', async () => {
  await initEngine();
  const b = new OnnxGraphBuilder(13).input('signal', ['batch', 2, 32]).output('logits', ['batch', 8]);
  const padded = b.node('Pad', ['signal', b.int64s('pads', [0, 0, 2, 0, 0, 2])], { mode: { s: 'reflect' } });
  let left = b.node('Conv', [padded, weights(b, 'wa', [4, 2, 3], 11)], { dilations: { ints: [2] } });
  left = b.node('Tanh', [left]);
  let right = b.node('Conv', ['signal', weights(b, 'wb', [4, 2, 1], 12), weights(b, 'bb', [4], 13)], {});
  right = b.node('Sigmoid', [right]);
  const diff = b.node('Sub', [left, right]);
  let x = b.node('Concat', [diff, right], { axis: { i: 1 } });
  x = b.node('Mul', [x, x]);
  x = b.node('Conv', [x, weights(b, 'wdw', [8, 1, 3], 17)], { group: { i: 8 }, pads: { ints: [1, 1] } });
  x = b.node('AveragePool', [x], {
    kernel_shape: { ints: [4] },
    strides: { ints: [4] },
    pads: { ints: [1, 1] },
    count_include_pad: { i: 1 },
  });
  x = b.node('Transpose', [x], { perm: { ints: [0, 2, 1] } });
  x = b.node('MatMul', [x, weights(b, 'wm', [8, 6], 14)]);
  x = b.node('Add', [x, weights(b, 'bias', [6], 15)]);
  x = b.node('Sub', [x, b.floats('half', [0.5], [])]);
  x = b.node('Mul', [x, weights(b, 'scale', [8, 1], 16)]);
  x = b.node('Div', [x, b.floats('two', [2], [1])]);
  x = b.node('Unsqueeze', [x, b.int64s('axes1', [1])]);
  x = b.node('Squeeze', [x, b.int64s('axes2', [1])]);
  x = b.node('GlobalAveragePool', [x]);
  // What torch.onnx.export writes for x.view(x.size(0), -1).
  const shape = b.node('Shape', [x]);
  const batch = b.node('Gather', [shape, b.int64s('zero', [0], [])], { axis: { i: 0 } });
  const batch1 = b.node('Unsqueeze', [batch, b.int64s('axes3', [0])]);
  const target = b.node('Concat', [batch1, b.int64s('minus1', [-1])], { axis: { i: 0 } });
  b.node('Reshape', [x, target], {}, ['logits']);
  const { imported, difference } = await compare(b.encode(), 'conv1d.onnx', [6, 2, 32], [0, 2, 1]);
  assert.deepEqual(imported.model.inputs[0]?.shape, [null, 32, 2]);
  assert.deepEqual(imported.model.outputs[0]?.shape, [null, 8]);
  assert.equal(imported.outputsProbabilities, false, 'a graph that ends in logits is detected');
  assert.ok(difference < 1e-4, `conversion vs ONNX Runtime ${difference}`);
  imported.model.dispose();
});

test('a channels-last file (a Keras model through tf2onnx: NHWC input, Transpose, Conv) keeps its layout', async () => {
  await initEngine();
  const b = new OnnxGraphBuilder(11).input('x', ['n', 10, 9, 3]).output('y', ['n', 3]);
  let x = b.node('Transpose', ['x'], { perm: { ints: [0, 3, 1, 2] } });
  x = b.node('Conv', [x, weights(b, 'w', [5, 3, 3, 3], 21), weights(b, 'b', [5], 22)], {
    auto_pad: { s: 'SAME_UPPER' },
    strides: { ints: [2, 2] },
  });
  x = b.node('AveragePool', [x], { kernel_shape: { ints: [3, 3] }, auto_pad: { s: 'SAME_UPPER' } });
  x = b.node('GlobalMaxPool', [x]);
  x = b.node('Flatten', [x]);
  x = b.node('Gemm', [x, weights(b, 'wd', [5, 3], 23)], {});
  b.node('Softmax', [x], { axis: { i: 1 } }, ['y']);
  const { imported, difference } = await compare(
    b.encode(),
    'nhwc.onnx',
    [4, 10, 9, 3],
    [0, 1, 2, 3],
    'channels-last',
  );
  assert.deepEqual(imported.model.inputs[0]?.shape, [null, 10, 9, 3]);
  assert.equal(imported.layout, 'channels-last');
  assert.equal(imported.opset, 11);
  assert.ok(difference < 1e-4, `conversion vs ONNX Runtime ${difference}`);
  // The file's Transpose costs no layer: the channels-last input already is what the convolution wants.
  assert.ok(!imported.model.layers.some((l) => l.getClassName() === 'Permute'));
  imported.model.dispose();
});

test('a file exported with a fixed batch of 1 (no dynamic axes, Reshape to [1, -1]) converts to a model for any batch', async () => {
  await initEngine();
  const b = new OnnxGraphBuilder(13).input('x', [1, 2, 16]).output('y', [1, 3]);
  let x = b.node('Conv', ['x', weights(b, 'w', [4, 2, 3], 71)], { pads: { ints: [1, 1] } });
  x = b.node('Reshape', [x, b.int64s('flat', [1, -1])]);
  b.node('Gemm', [x, weights(b, 'wd', [3, 64], 72, 0.2)], { transB: { i: 1 } }, ['y']);
  const bytes = b.encode();
  const imported = await importOnnx(bytes, 'fixed-batch.onnx');
  assert.ok(imported.maxAbsDifference < 1e-4);
  // ONNX Runtime runs the file one sample at a time; the conversion takes all five at once.
  const data = seededValues(5 * 2 * 16, 73);
  const expected: number[] = [];
  for (let i = 0; i < 5; i++)
    expected.push(...(await ortOutput(bytes, data.subarray(i * 32, (i + 1) * 32), [1, 2, 16])));
  const converted = tfOutput(imported.model, data, [5, 2, 16], [0, 2, 1]);
  assert.ok(maxAbsDifference(converted, expected) < 1e-4);
  imported.model.dispose();
});
