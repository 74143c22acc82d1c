import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { assertNoLeak, assertNoLeakAsync } from '../../src-main/core/engine/memory.js';
import { deriveSeed } from '../../src-main/core/engine/seed.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { relativeError, runKernelOn, seededValues } from './compare-backends.js';

// Keras-style models of every layer family whose training needs a kernel wasm lacks (or that we replaced):
// the gradients of all their weights on wasm must match the cpu backend's, and `model.fit` must run on wasm.

interface Case {
  name: string;
  inputShape: number[];
  classes: number;
  integerInput?: number; // vocabulary size for an Embedding input
  layers(init: (name: string) => ReturnType<typeof tfl.initializers.glorotUniform>): tfl.layers.Layer[];
}

const CASES: Case[] = [
  {
    name: 'Conv1D stride 2 valid + MaxPooling1D',
    inputShape: [40, 2],
    classes: 3,
    layers: (init) => [
      tfl.layers.conv1d({
        filters: 6,
        kernelSize: 5,
        strides: 2,
        padding: 'valid',
        activation: 'relu',
        kernelInitializer: init('c1'),
      }),
      tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init('c2') }),
      tfl.layers.maxPooling1d({ poolSize: 3, strides: 2 }),
      tfl.layers.flatten(),
    ],
  },
  {
    name: 'Conv2D stride 2 same + BatchNormalization + AveragePooling2D',
    inputShape: [12, 10, 3],
    classes: 2,
    layers: (init) => [
      // No bias before batch normalization: its gradient is zero up to rounding noise.
      tfl.layers.conv2d({
        filters: 5,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: init('c1'),
      }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.conv2d({
        filters: 4,
        kernelSize: [2, 3],
        padding: 'valid',
        activation: 'relu',
        kernelInitializer: init('c2'),
      }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
    ],
  },
  {
    name: 'DepthwiseConv2D multiplier 2 + SeparableConv2D + GlobalAveragePooling2D',
    inputShape: [9, 9, 3],
    classes: 2,
    layers: (init) => [
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        depthwiseInitializer: init('d1'),
      }),
      tfl.layers.separableConv2d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        activation: 'relu',
        depthwiseInitializer: init('s-depthwise'),
        pointwiseInitializer: init('s-pointwise'),
      }),
      tfl.layers.globalAveragePooling2d({}),
    ],
  },
  {
    name: 'Conv2DTranspose stride 2',
    inputShape: [5, 6, 2],
    classes: 2,
    layers: (init) => [
      tfl.layers.conv2dTranspose({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: init('t1'),
      }),
      tfl.layers.flatten(),
    ],
  },
  {
    name: 'Embedding + Conv1D',
    inputShape: [12],
    classes: 2,
    integerInput: 20,
    layers: (init) => [
      tfl.layers.embedding({ inputDim: 20, outputDim: 4, embeddingsInitializer: init('e1') }),
      tfl.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init('c1') }),
      tfl.layers.flatten(),
    ],
  },
];

function buildCase(c: Case): tfl.LayersModel {
  const init = (name: string) => tfl.initializers.glorotUniform({ seed: deriveSeed(17, c.name, name) });
  return tfl.sequential({
    layers: [
      tfl.layers.inputLayer({ inputShape: c.inputShape }),
      ...c.layers(init),
      tfl.layers.dense({ units: c.classes, activation: 'softmax', kernelInitializer: init('out') }),
    ],
  });
}

function caseData(c: Case, n: number): { x: tf.Tensor; y: tf.Tensor } {
  const shape = [n, ...c.inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const values = seededValues(size, 5);
  const x =
    c.integerInput !== undefined
      ? tf.tensor(
          Int32Array.from(values, (v) => Math.floor(((v + 1.5) / 3) * c.integerInput!) % c.integerInput!),
          shape,
          'int32',
        )
      : tf.tensor(values, shape);
  const labels = Int32Array.from(
    seededValues(n, 6),
    (v) => Math.floor(((v + 1.5) / 3) * c.classes) % c.classes,
  );
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), c.classes));
  return { x, y };
}

/** Gradients of the cross-entropy with respect to every trainable weight, in training mode. */
function gradients(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): Float32Array[] {
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(() => {
    const p = model.apply(x, { training: true }) as tf.Tensor;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
  }, weights);
  const out = weights.map((w) => grads[w.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

for (const c of CASES) {
  test(`${c.name}: gradients on wasm match cpu, and model.fit runs on wasm`, async () => {
    await initEngine('cpu');
    const model = buildCase(c);
    const { x, y } = caseData(c, 8);
    const onCpu = assertNoLeak('cpu gradients', () => gradients(model, x, y));
    await initEngine('wasm'); // the model's weights and the data move to wasm on first use
    const onWasm = assertNoLeak('wasm gradients', () => gradients(model, x, y));
    assert.equal(onWasm.length, model.trainableWeights.length);
    onWasm.forEach((g, i) => {
      const error = relativeError(g, onCpu[i]!);
      assert.ok(
        error <= 1e-4,
        `${model.trainableWeights[i]!.name}: relative error ${error.toExponential(2)}`,
      );
      assert.ok(
        g.some((v) => v !== 0),
        `${model.trainableWeights[i]!.name}: gradient is not all zero`,
      );
    });
    const losses = await assertNoLeakAsync('fit on wasm', async () => {
      const optimizer = tf.train.adam(0.01);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const history = await model.fit(x, y, { epochs: 5, batchSize: 8, shuffle: false, verbose: 0 });
      optimizer.dispose(); // with it go Adam's moment estimates, the only tensors fit may keep
      return history.history['loss'] as number[];
    });
    assert.ok(losses[4]! < losses[0]!, `loss ${losses.join(' -> ')} should fall`);
    tf.dispose([x, y]);
    model.dispose();
  });
}

test('UnsortedSegmentSum on wasm matches cpu, dropping out-of-range ids', async () => {
  const x = { values: seededValues(10 * 3 * 2, 8), shape: [10, 3, 2] };
  const segmentIds = { values: Int32Array.from([0, 2, 2, 5, -1, 1, 0, 7, 5, 2]), shape: [10] };
  const attrs = { numSegments: 6 };
  const wasm = await runKernelOn('wasm', 'UnsortedSegmentSum', { x, segmentIds }, attrs);
  const cpu = await runKernelOn('cpu', 'UnsortedSegmentSum', { x, segmentIds }, attrs);
  assert.deepEqual(wasm.shape, [6, 3, 2]);
  assert.ok(relativeError(wasm.values, cpu.values) <= 1e-6);
  assert.ok(
    wasm.values.slice(3 * 6, 4 * 6).every((v) => v === 0),
    'segment 3 has no row',
  );
  assert.ok(wasm.values.slice(0, 6).some((v) => v !== 0));
});
