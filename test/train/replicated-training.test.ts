import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { buildEcgResnet } from '../../src-main/core/models/ecg-resnet.js';
import { batchGradients, trainableVariables } from '../../src-main/core/train/weighted-loss.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { ReplicatedPredictor } from '../../src-main/core/train/replicated-predict.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';

const LENGTH = 187;
const CLASSES = 3;

/** Beats whose class decides the width of a bump: learnable in a few epochs. */
function data(n: number, seed: number): { inputs: Float32Array; labels: Int32Array } {
  const random = seededRandom(seed);
  const inputs = new Float32Array(n * LENGTH);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const label = Math.floor(random() * CLASSES);
    labels[k] = label;
    const width = 3 + 6 * label;
    for (let i = 0; i < LENGTH; i++)
      inputs[k * LENGTH + i] = Math.exp(-(((i - 90) / width) ** 2)) + 0.1 * (random() - 0.5);
  }
  return { inputs, labels };
}

before(async () => {
  await initEngine('wasm');
});

test("gradients of batch shares scaled by 1/batch add up to the whole batch's", () => {
  const model = buildEcgResnet({ inputLength: LENGTH, classes: CLASSES, seed: 3 });
  try {
    const variables = trainableVariables(model);
    const { inputs, labels } = data(24, 1);
    const sampleWeights = Float32Array.from(labels, (l) => 1 + l);
    const whole = batchGradients(
      model,
      variables,
      { x: inputs, labels, sampleWeights },
      [LENGTH, 1],
      CLASSES,
      1 / 24,
    );
    const baseline = tf.memory().numTensors;
    const parts = [0, 10, 24].slice(0, 2).map((from, k) => {
      const to = [10, 24][k] as number;
      return batchGradients(
        model,
        variables,
        {
          x: inputs.subarray(from * LENGTH, to * LENGTH),
          labels: labels.subarray(from, to),
          sampleWeights: sampleWeights.subarray(from, to),
        },
        [LENGTH, 1],
        CLASSES,
        1 / 24,
      );
    });
    assert.equal(tf.memory().numTensors, baseline, 'no tensor outlives a gradient computation');
    assert.ok(Math.abs((parts[0]?.loss ?? 0) + (parts[1]?.loss ?? 0) - whole.loss) < 1e-5);
    whole.gradients.forEach((g, k) => {
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < g.length; i++) {
        const sum = (parts[0]?.gradients[k]?.[i] ?? 0) + (parts[1]?.gradients[k]?.[i] ?? 0);
        worst = Math.max(worst, Math.abs(sum - (g[i] as number)));
        scale = Math.max(scale, Math.abs(g[i] as number));
      }
      assert.ok(worst <= 1e-4 * Math.max(scale, 1e-3), `variable ${k}: ${worst} against ${scale}`);
    });
  } finally {
    model.dispose();
  }
});

async function train(
  replicas: number,
): Promise<{ weights: Float32Array[]; losses: number[]; replicasUsed: number }> {
  const model = buildEcgResnet({ inputLength: LENGTH, classes: CLASSES, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const { inputs, labels } = data(300, 2);
  const losses: number[] = [];
  try {
    const run = await fitEpochs({
      model,
      inputs,
      labels,
      sampleShape: [LENGTH, 1],
      classes: CLASSES,
      epochs: 3,
      batchSize: 64,
      seed: 5,
      signal: new AbortController().signal,
      classWeight: { 0: 1, 1: 1.5, 2: 0.8 },
      replicas,
      onEpochEnd(_epoch, loss) {
        losses.push(loss);
        return 'continue';
      },
    });
    return {
      weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
      losses,
      replicasUsed: run.replicas,
    };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

test('data-parallel training with a worker replica learns, is reproducible, and stays close to one thread', async () => {
  const baseline = tf.memory().numTensors;
  const first = await train(1);
  const second = await train(1);
  assert.equal(tf.memory().numTensors, baseline, 'no tensor leaked by replicated training');
  assert.equal(first.replicasUsed, 1);
  assert.deepEqual(first.weights, second.weights, 'same seed, same replicas: identical weights');
  assert.ok((first.losses[2] as number) < 0.6 * (first.losses[0] as number), `losses ${first.losses}`);
  // model.fit alone takes the same steps on the same batches; only the order of float sums differs.
  const single = await train(0);
  assert.equal(single.replicasUsed, 0);
  single.losses.forEach((loss, k) =>
    assert.ok(
      Math.abs(loss - (first.losses[k] as number)) < 0.05 * loss + 1e-3,
      `epoch ${k}: ${loss} vs ${first.losses[k]}`,
    ),
  );
});

test('a model a replica cannot rebuild trains in one thread, and says so', async () => {
  const input = tfl.input({ shape: [4] });
  const output = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const notices: string[] = [];
  try {
    const run = await fitEpochs({
      model,
      inputs: new Float32Array(40).fill(0.5),
      labels: Int32Array.from({ length: 10 }, (_, i) => i % 2),
      sampleShape: [4],
      classes: 2,
      epochs: 1,
      batchSize: 4,
      seed: 1,
      signal: new AbortController().signal,
      replicas: 1,
      onNotice: (m) => notices.push(m),
    });
    assert.equal(run.replicas, 0);
    assert.match(notices[0] ?? '', /one thread: the loss meanSquaredError/);
  } finally {
    model.dispose();
  }
});

test('replicated inference gives the probabilities of model.predict, batch shares in order', async () => {
  const model = buildEcgResnet({ inputLength: LENGTH, classes: CLASSES, seed: 4 });
  try {
    const { inputs } = data(301, 3);
    const expected = tf
      .tidy(() => model.predict(tf.tensor(inputs, [301, LENGTH, 1])) as tf.Tensor)
      .dataSync();
    const baseline = tf.memory().numTensors;
    const predictor = await ReplicatedPredictor.start(model, [LENGTH, 1], CLASSES, 'wasm', 1);
    try {
      assert.equal(predictor.workers, 1);
      const got = await predictor.predict(inputs, 64);
      assert.equal(got.length, expected.length);
      got.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] as number)) < 1e-5, `value ${i}`));
    } finally {
      await predictor.close();
    }
    assert.equal(tf.memory().numTensors, baseline);
  } finally {
    model.dispose();
  }
});
