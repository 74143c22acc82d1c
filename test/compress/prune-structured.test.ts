import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { polynomialSparsity, PruneSchedule } from '../../src-main/core/compress/prune-schedule.js';
import { prunableWeights } from '../../src-main/core/compress/prune-magnitude.js';
import { pruneFilters } from '../../src-main/core/compress/prune-filters.js';
import { countFlops } from '../../src-main/core/compress/model-flops.js';
import { thinStudent } from '../../src-main/core/compress/structural-steps.js';
import { buildEcgResnet } from '../../src-main/core/models/ecg-resnet.js';
import { buildResidualModel, buildSmallModel, loadBeats, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

const zeroFraction = (model: tfl.LayersModel): number => {
  let zeros = 0;
  let total = 0;
  for (const w of prunableWeights(model)) {
    const values = w.read().dataSync();
    total += values.length;
    for (const v of values) if (v === 0) zeros++;
  }
  return zeros / total;
};

test('polynomial decay (Zhu & Gupta): 0 at the start, cubic rise, the target from the end of the ramp on', () => {
  assert.equal(polynomialSparsity(0, 100, 0.9), 0);
  assert.equal(polynomialSparsity(50, 100, 0.9), 0.9 * (1 - 0.5 ** 3));
  assert.equal(polynomialSparsity(100, 100, 0.9), 0.9);
  assert.equal(polynomialSparsity(150, 100, 0.9), 0.9);
  assert.equal(polynomialSparsity(3, 0, 0.9), 0.9, 'no ramp: one shot');
  let previous = -1;
  for (let t = 0; t <= 100; t += 5) {
    const s = polynomialSparsity(t, 100, 0.95);
    assert.ok(s >= previous, 'monotone');
    previous = s;
  }
});

test('the schedule raises sparsity gradually during steps and ends at exactly the target', () => {
  for (const scope of ['per-layer', 'global'] as const) {
    const model = buildSmallModel();
    const schedule = new PruneSchedule(model, {
      finalSparsity: 0.9,
      scope,
      schedule: 'poly',
      totalSteps: 40,
    });
    const seen: number[] = [];
    for (let step = 0; step < 40; step++) {
      schedule.beforeStep(step);
      // An "optimizer step": every weight moves, pruned ones too; the hook puts them back.
      tf.tidy(() => {
        for (const w of prunableWeights(model)) w.write(tf.add(w.read(), 0.001));
      });
      schedule.afterStep();
      seen.push(zeroFraction(model));
    }
    assert.ok((seen[0] as number) < 0.3, `starts low: ${seen[0]}`);
    assert.ok(
      seen.every((s, i) => i === 0 || s >= (seen[i - 1] as number) - 1e-9),
      'never decreases',
    );
    assert.ok(
      Math.abs((seen[28] as number) - 0.9) < 0.01,
      `reaches the target by 70% of the steps: ${seen[28]}`,
    );
    schedule.finish();
    const kernels = prunableWeights(model);
    const total = kernels.reduce((n, w) => n + w.read().size, 0);
    const zeros = Math.round(zeroFraction(model) * total);
    if (scope === 'per-layer')
      assert.equal(
        zeros,
        kernels.reduce((n, w) => n + Math.round(0.9 * w.read().size), 0),
      );
    else assert.equal(zeros, Math.round(0.9 * total));
    const before = tf.memory().numTensors;
    schedule.dispose();
    assert.equal(tf.memory().numTensors, before - kernels.length, 'the masks are released');
    model.dispose();
  }
});

test('removing filters that are exactly zero leaves the outputs unchanged, with the residual channels in step', async () => {
  const model = buildResidualModel();
  const { x } = loadBeats();
  // Zero three of the eight output channels of the stem conv, the branch conv (they meet in the Add), and
  // the matching batch-norm gamma and beta: those channels carry nothing, so pruning them changes nothing.
  const zeroChannels = [1, 4, 6];
  const zeroed = (t: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const c = t.shape[t.shape.length - 1] as number;
      const mask = tf.tensor1d(Array.from({ length: c }, (_, i) => (zeroChannels.includes(i) ? 0 : 1)));
      return tf.mul(t, mask);
    });
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Conv1D' || cls === 'BatchNormalization') {
      const weights = layer.getWeights();
      const updated = weights.map((w, i) => (cls === 'BatchNormalization' && i > 1 ? w : zeroed(w)));
      layer.setWeights(updated);
      updated.forEach((t, i) => t !== weights[i] && t.dispose());
    }
  }
  const expected = model.predict(x) as tf.Tensor;
  // The stem's and branch's channels form one group (the Add): 5 of 8 kept is 62.5% of their width.
  const { model: pruned, report } = await pruneFilters(model, {
    keep: 0.6,
    target: 'params',
    criterion: 'l1',
  });
  const group = report.groups.find((g) => g.producers.length === 2);
  assert.ok(group !== undefined, JSON.stringify(report.groups));
  assert.ok(report.paramsAfter <= 0.6 * report.paramsBefore);
  assert.equal(report.paramsAfter, pruned.countParams());
  if (group.kept === 5) {
    const got = pruned.predict(x) as tf.Tensor;
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0] as number);
    assert.ok(difference < 1e-5, `outputs differ by ${difference}`);
    got.dispose();
  } else assert.fail(`expected 5 kept channels in the residual group, got ${group.kept}`);
  // The data-driven criterion (mean absolute output on calibration beats) finds the same dead channels.
  const byActivation = await pruneFilters(
    model,
    { keep: 0.6, target: 'params', criterion: 'activation' },
    { inputs: x.dataSync() as Float32Array, sampleShape: [96, 1] },
  );
  const again = byActivation.model.predict(x) as tf.Tensor;
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(again, expected))).dataSync()[0] as number) < 1e-5);
  await assert.rejects(
    pruneFilters(model, { keep: 0.6, target: 'params', criterion: 'activation' }),
    /needs the parent dataset/,
  );
  again.dispose();
  byActivation.model.dispose();
  expected.dispose();
  x.dispose();
  pruned.dispose();
  model.dispose();
});

test('filters on ecg-resnet meet a FLOPs target with a physically smaller network; a thin student is smaller too', async () => {
  const model = buildEcgResnet({ seed: 2 });
  const before = countFlops(model).flops;
  const { model: pruned, report } = await pruneFilters(model, {
    keep: 0.5,
    target: 'flops',
    criterion: 'l1',
  });
  assert.ok(report.flopsAfter <= 0.5 * before && report.flopsAfter > 0.4 * before, JSON.stringify(report));
  assert.equal(report.flopsAfter, countFlops(pruned).flops);
  assert.ok(pruned.countParams() < model.countParams());
  const residual = report.groups.find((g) => g.producers.includes('conv_in'));
  assert.deepEqual(
    residual?.producers.length,
    6,
    'conv_in and every block conv2 share the residual channels',
  );
  assert.deepEqual(pruned.predict(tf.zeros([1, 187, 1])) instanceof tf.Tensor, true);
  await assert.rejects(
    pruneFilters(model, { keep: 0.001, target: 'flops', criterion: 'l1' }),
    /cannot be reached/,
  );
  const student = await thinStudent(model, 0.5);
  assert.ok(student.countParams() < 0.35 * model.countParams(), `${student.countParams()}`);
  assert.deepEqual(student.outputs[0]?.shape, [null, 5], 'same classes');
  for (const m of [model, pruned, student]) m.dispose();
});
