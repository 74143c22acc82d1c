import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { createRng, gaussian } from '../../src-main/core/engine/seed.js';
import {
  columnResiduals,
  factorizeLowRank,
  lpCost,
  lpFactors,
  subspaceFactors,
  subspaceParams,
  subspaceRank,
  svdFactors,
} from '../../src-main/core/compress/low-rank.js';
import { matrix, multiply, svd, frobenius } from '../../src-main/core/compress/svd.js';
import { buildSmallModel, loadBeats, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

test('truncated SVD meets the Eckart-Young bound exactly: the error is the discarded singular values', () => {
  const rng = createRng(5);
  const w = matrix(
    12,
    7,
    Array.from({ length: 84 }, () => rng() - 0.5),
  );
  const s = svd(w).s;
  for (const rank of [1, 3, 6]) {
    const f = svdFactors(w, rank);
    const approx = multiply(f.first, f.second);
    const error = frobenius(
      matrix(
        12,
        7,
        w.data.map((x, i) => x - (approx.data[i] as number)),
      ),
    );
    const bound = Math.sqrt(Array.from(s.slice(rank)).reduce((sum, x) => sum + x * x, 0));
    assert.ok(Math.abs(error - bound) < 1e-10, `rank ${rank}: ${error} vs ${bound}`);
  }
});

test('the robust l_1 fit ignores an outlying neuron that drags the SVD subspace away', () => {
  // Nine neurons (columns) on a line in R^3, plus one far off it with more energy than all nine: the SVD line
  // follows the outlier, the best l_1 line is the nine's line.
  const columns: number[][] = [];
  for (let j = 1; j <= 9; j++) columns.push([j, 2 * j, 0]);
  columns.push([0, 0, 40]);
  const w = matrix(
    3,
    10,
    [0, 1, 2].flatMap((i) => columns.map((c) => c[i] as number)),
  );
  const l1 = lpFactors(w, 1, 1);
  const l2 = svdFactors(w, 1);
  const l2Basis = matrix(
    3,
    1,
    Array.from(svd(w).u.data).filter((_, i) => i % 3 === 0),
  );
  const residuals = columnResiduals(w, l1.first);
  for (let j = 0; j < 9; j++)
    assert.ok((residuals[j] as number) < 1e-3, `inlier ${j} lies on the l_1 line: ${residuals[j]}`);
  const costs = [lpCost(w, l1.first, 1), lpCost(w, l2Basis, 1)];
  assert.ok((costs[0] as number) < 40.01 && (costs[1] as number) > 90, `l_1 costs ${costs.join(' vs ')}`);
  assert.equal(multiply(l2.first, l2.second).data.length, 30);
  // With p = 2 the l_p fit is the SVD.
  const p2 = lpFactors(w, 1, 2);
  const a = multiply(p2.first, p2.second);
  const b = multiply(l2.first, l2.second);
  a.data.forEach((x, i) => assert.ok(Math.abs(x - (b.data[i] as number)) < 1e-9));
});

test('factorizeLowRank: two smaller kernels, exact on a kernel of that rank, refused when nothing is saved', async () => {
  const input = tfl.input({ shape: [16] });
  const hidden = tfl.layers
    .dense({ units: 24, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })
    .apply(input) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: 2,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(hidden) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const x = tf.randomNormal([20, 16], 0, 1, 'float32', 3);
  const baseline = tf.memory().numTensors;
  // Rank 9 of the 16 x 24 kernel saves parameters (9 * 40 < 384); the 24 x 2 classifier is left alone.
  const exact = await factorizeLowRank(model, { rank: 9, p: 2, layers: 'all' });
  assert.equal(exact.layers[1]?.skipped?.startsWith('rank 2 would not save'), true);
  assert.equal(exact.layers[0]?.rank, 9);
  assert.equal(exact.model.layers.length, model.layers.length + 1, 'one extra layer for the factor');
  assert.ok(exact.model.countParams() < model.countParams());
  const low = await factorizeLowRank(model, { rank: 2, p: 2, layers: 'dense' });
  assert.ok(low.model.countParams() < exact.model.countParams());
  // Keeping all the energy needs the full rank, which saves nothing anywhere: refused, with the reason.
  await assert.rejects(
    factorizeLowRank(model, { energy: 0.999999, p: 2, layers: 'all' }),
    /no layer can be factorized/,
  );
  const y = model.predict(x) as tf.Tensor;
  const yLow = low.model.predict(x) as tf.Tensor;
  const yExact = exact.model.predict(x) as tf.Tensor;
  assert.ok(maxDifference(y, yLow) < 0.5, 'rank 2 is an approximation, not a different model');
  assert.ok(maxDifference(y, yLow) > 1e-4, 'rank 2 is not exact');
  assert.ok(maxDifference(y, yExact) < 0.5);
  // A kernel of true rank 2 is reproduced exactly by its rank-2 factors.
  const dense = model.layers[1] as tfl.layers.Layer;
  const [kernel, bias] = dense.getWeights() as [tf.Tensor, tf.Tensor];
  const rankTwo = tf.tidy(() =>
    tf.matMul(tf.slice(kernel, [0, 0], [16, 2]), tf.slice(kernel, [0, 0], [2, 24])),
  );
  dense.setWeights([rankTwo, bias]);
  const two = await factorizeLowRank(model, { rank: 2, p: 2, layers: 'dense' });
  const yTwo = model.predict(x) as tf.Tensor;
  const yTwoFactored = two.model.predict(x) as tf.Tensor;
  assert.ok(
    maxDifference(yTwo, yTwoFactored) < 1e-5,
    `exact at the true rank: ${maxDifference(yTwo, yTwoFactored)} ${JSON.stringify(two.layers)}`,
  );
  assert.ok((two.layers[0]?.relativeError as number) < 1e-6);
  for (const t of [y, yLow, yExact, x, yTwo, yTwoFactored, rankTwo]) t.dispose();
  for (const m of [exact.model, low.model, two.model]) m.dispose();
  assert.equal(tf.memory().numTensors, baseline - 1, 'only the input was released; nothing leaked');
  model.dispose();
});

test('a conv kernel is factorized as a conv of rank r (with the stride) then a 1x1 conv', async () => {
  const model = buildSmallModel();
  const { x } = loadBeats();
  // The conv kernel is 7 x 1 x 8 -> rows 7, cols 8: rank 7 is exact but saves nothing; the dense one factors.
  const out = await factorizeLowRank(model, { rank: 1, p: 2, layers: 'conv' });
  assert.equal(out.layers.length, 1);
  const conv = out.model.layers.find((l) => l.name.endsWith('_lowrank'));
  assert.ok(conv !== undefined);
  assert.deepEqual(conv.getWeights()[0]?.shape, [7, 1, 1]);
  const second = out.model.getLayer(conv.name.replace(/_lowrank$/, ''));
  assert.deepEqual(second.getWeights()[0]?.shape, [1, 1, 8]);
  assert.equal(
    (second.getConfig() as { strides: number[] }).strides[0],
    1,
    'the stride moved to the first factor',
  );
  const rel = out.layers[0]?.relativeError as number;
  assert.ok(rel > 0 && rel < 1, `relative error ${rel}`);
  const y = (out.model.predict(x) as tf.Tensor).shape;
  assert.deepEqual(y, [x.shape[0], 2]);
  x.dispose();
  out.model.dispose();
  model.dispose();
});

/** Sum over neurons (columns) of the distance between W's column and its approximation's, to the power p. */
function lpError(
  w: { rows: number; cols: number; data: Float64Array },
  approx: Float64Array,
  p: number,
): number {
  let total = 0;
  for (let j = 0; j < w.cols; j++) {
    let sum = 0;
    for (let i = 0; i < w.rows; i++)
      sum += ((w.data[i * w.cols + j] as number) - (approx[i * w.cols + j] as number)) ** 2;
    total += Math.sqrt(sum) ** p;
  }
  return total;
}

/**
 * Neurons from four 3-dimensional subspaces of R^20 (30 each, slightly noisy) and six outlying neurons ten times
 * their norm: the layer of Tukan et al.'s argument, where neither one subspace nor the squared error fits.
 */
function neuronsInSubspaces(seed: number): { rows: number; cols: number; data: Float64Array } {
  const rng = createRng(seed);
  const normal = () => gaussian(rng);
  const rows = 20;
  const columns: number[][] = [];
  for (let g = 0; g < 4; g++) {
    const basis = Array.from({ length: 3 }, () => Array.from({ length: rows }, normal));
    for (let k = 0; k < 30; k++) {
      const c = [normal(), normal(), normal()];
      columns.push(
        Array.from(
          { length: rows },
          (_, i) => c.reduce((s, ck, t) => s + ck * (basis[t]?.[i] as number), 0) + 0.01 * normal(),
        ),
      );
    }
  }
  for (let k = 0; k < 6; k++) columns.push(Array.from({ length: rows }, () => 10 * normal()));
  const cols = columns.length;
  return matrix(
    rows,
    cols,
    Array.from({ length: rows * cols }, (_, x) => columns[x % cols]?.[Math.floor(x / cols)] as number),
  );
}

test('several l_1 subspaces fit neurons with outliers far better than the SVD at the same parameter count', () => {
  for (const seed of [1, 2, 3]) {
    const w = neuronsInSubspaces(seed);
    const budget = 6;
    const svdParams = budget * (w.rows + w.cols);
    const rank = subspaceRank(budget, w.rows, w.cols, 4);
    assert.equal(rank, 4);
    assert.ok(
      subspaceParams(w.rows, w.cols, 4, rank) <= svdParams,
      'no more nonzero parameters than the SVD',
    );
    const svdFit = svdFactors(w, budget);
    const svdError = lpError(w, multiply(svdFit.first, svdFit.second).data, 1);
    const several = subspaceFactors(w, 4, rank, 1, seed);
    // The second factor is block-sparse: each neuron has coefficients in one subspace only.
    const nonzero = several.second.data.filter((x) => x !== 0).length + several.first.data.length;
    assert.ok(nonzero <= svdParams, `${nonzero} nonzero parameters against the SVD's ${svdParams}`);
    const severalError = lpError(w, multiply(several.first, several.second).data, 1);
    const oneSubspace = lpFactors(w, budget, 1);
    const oneError = lpError(w, multiply(oneSubspace.first, oneSubspace.second).data, 1);
    // The outliers cost about their own length under any fit of the inliers; the inliers nearly nothing.
    assert.ok(
      severalError < 0.6 * svdError,
      `seed ${seed}: l_1 error ${severalError} against the SVD's ${svdError}`,
    );
    assert.ok(
      severalError < oneError,
      `seed ${seed}: ${severalError} against one l_1 subspace's ${oneError}`,
    );
  }
});

test('factorizeLowRank with several subspaces: the layers compute the block factors, within the SVD budget', async () => {
  const w = neuronsInSubspaces(4);
  const input = tfl.input({ shape: [w.rows] });
  const output = tfl.layers.dense({ units: w.cols, useBias: true }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const bias = tf.randomNormal([w.cols], 0, 1, 'float32', 5);
  const kernel = tf.tensor2d(Float32Array.from(w.data), [w.rows, w.cols]);
  model.layers[1]?.setWeights([kernel, bias]);
  const svdModel = await factorizeLowRank(model, { rank: 6, p: 2, layers: 'all' });
  const lpModel = await factorizeLowRank(model, { rank: 6, p: 1, layers: 'all', subspaces: 4, seed: 1 });
  const report = lpModel.layers[0];
  assert.equal(report?.subspaces, 4);
  assert.equal(report?.rank, 4);
  assert.ok((report?.paramsAfter as number) <= (svdModel.layers[0]?.paramsAfter as number));
  assert.equal(lpModel.model.getLayer(`${model.layers[1]?.name}_lowrank`).getWeights()[0]?.shape[1], 16);
  // The model's outputs are x (A B) + bias, and A B approximates W better in l_1 than the SVD's factors.
  const x = tf.eye(w.rows);
  const approx = tf.tidy(() => tf.sub(lpModel.model.predict(x) as tf.Tensor, bias));
  const svdApprox = tf.tidy(() => tf.sub(svdModel.model.predict(x) as tf.Tensor, bias));
  const lpErr = lpError(w, Float64Array.from(approx.dataSync()), 1);
  const svdErr = lpError(w, Float64Array.from(svdApprox.dataSync()), 1);
  assert.ok(lpErr < 0.6 * svdErr, `l_1 error of the layer ${lpErr} against the SVD's ${svdErr}`);
  for (const t of [x, approx, svdApprox, bias, kernel]) t.dispose();
  for (const m of [svdModel.model, lpModel.model, model]) m.dispose();
});
