import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine, type BackendName } from '../../src-main/core/engine/backend.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { trainableVariables } from '../../src-main/core/train/weighted-loss.js';
import { assertClose, seededValues } from './compare-backends.js';

/**
 * Conv1D layers the fusion takes (ReLU, none; stride 2, valid) and one it leaves (tanh), then Dense. (TF.js has
 * no gradient for dilated convolutions, fused or not.)
 */
function buildModel(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const input = tfl.input({ shape: [40, 3] });
  const layers = [
    tfl.layers.conv1d({
      filters: 8,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    }),
    tfl.layers.conv1d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      kernelInitializer: init(2),
    }),
    tfl.layers.conv1d({
      filters: 16,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(3),
    }),
    tfl.layers.conv1d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(4),
    }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(5) }),
  ];
  let x: tfl.SymbolicTensor = input;
  for (const layer of layers) x = layer.apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

/** Predictions, the gradients of a cross-entropy loss, and the kernels the prediction ran, on one backend. */
async function run(backend: BackendName, biases: Float32Array[]) {
  await initEngine(backend);
  const model = buildModel();
  // Non-zero biases, so a bias that went missing would show.
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv1D');
  convs.forEach((layer, k) => {
    const [kernel] = layer.getWeights();
    const bias = tf.tensor(biases[k] as Float32Array);
    layer.setWeights([kernel as tf.Tensor, bias]);
    bias.dispose();
  });
  const x = tf.tensor(seededValues(4 * 40 * 3, 77), [4, 40, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
  const profile = await tf.profile(() => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()));
  const predictions = Float32Array.from(tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()));
  const variables = trainableVariables(model);
  const { grads, value } = tf.variableGrads(
    // Scaled so that every gradient has values well above the tolerance's floor.
    () => tf.mul(tf.losses.softmaxCrossEntropy(labels, model.predict(x) as tf.Tensor), 1000) as tf.Scalar,
    variables,
  );
  const gradients = variables.map((v) => Float32Array.from(grads[v.name]?.dataSync() ?? []));
  const shapes = variables.map((v) => v.shape);
  tf.dispose([x, labels, value, ...Object.values(grads)]);
  model.dispose();
  return { predictions, gradients, shapes, kernels: profile.kernels.map((k) => k.name) };
}

test("Conv1D layers with ReLU or no activation run as one fused convolution on wasm, with the cpu backend's values and gradients", async () => {
  const biases = [8, 8, 16, 8].map((n, k) => seededValues(n, 80 + k));
  const wasm = await run('wasm', biases);
  const cpu = await run('cpu', biases);
  // Three of the four Conv1D layers fused; the tanh one keeps conv1d, its bias add and the activation.
  assert.equal(wasm.kernels.filter((k) => k === 'FusedConv2D').length, 3, wasm.kernels.join(', '));
  assert.equal(wasm.kernels.filter((k) => k === 'Conv2D').length, 1, wasm.kernels.join(', '));
  assert.equal(
    cpu.kernels.filter((k) => k === 'FusedConv2D').length,
    0,
    'other backends keep the layers as they are',
  );
  assertClose(
    { values: wasm.predictions, shape: [4, 3] },
    { values: cpu.predictions, shape: [4, 3] },
    'predictions',
  );
  wasm.gradients.forEach((g, k) => {
    const shape = wasm.shapes[k] as number[];
    // A gradient array of every weight, none empty: a weight the fused path cut off the tape would be missing.
    assert.equal(g.length, tf.util.sizeFromShape(shape), `gradient ${k} size`);
    assertClose({ values: g, shape }, { values: cpu.gradients[k] as Float32Array, shape }, `gradient ${k}`);
  });
});
