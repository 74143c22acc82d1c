import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRateAt, parseLrPolicy } from '../../src-main/core/train/lr-policy.js';
import { AttestError } from '../../src-main/core/errors.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { buildEcgResnet } from '../../src-main/core/models/ecg-resnet.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { lrRangeTest, suggestRate } from '../../src-main/core/pipelines/train/lr-range-test.js';
import { compareLrPolicies } from '../../src-main/core/pipelines/compare/compare-lr-policies.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { tempHome } from '../helpers/temp-home.js';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test('learning-rate policies: the schedules of their papers, and their syntax checked', () => {
  const at = (text: string, step: number) => learningRateAt(parseLrPolicy(text), 0.01, step, 10, 100);
  assert.equal(at('constant', 57), 0.01);
  assert.ok(
    close(at('step:3:0.5', 29), 0.01) &&
      close(at('step:3:0.5', 30), 0.005) &&
      close(at('step:3:0.5', 60), 0.0025),
  );
  assert.ok(close(at('exp:0.9', 25), 0.01 * 0.81));
  assert.ok(close(at('cosine:0.1', 0), 0.01) && close(at('cosine:0.1', 99), 0.001));
  // Triangular: low at 0, high after a half cycle (2 epochs = 20 steps), low again at 40.
  assert.ok(close(at('triangular:0.001:0.005', 0), 0.001));
  assert.ok(close(at('triangular:0.001:0.005', 20), 0.005));
  assert.ok(close(at('triangular:0.001:0.005', 10), 0.003));
  assert.ok(close(at('triangular:0.001:0.005', 40), 0.001));
  // triangular2 halves the amplitude each cycle; exp-range shrinks it by gamma^step.
  assert.ok(close(at('triangular2:0.001:0.005', 60), 0.001 + 0.004 / 2));
  assert.ok(close(at('exp-range:0.001:0.005:0.99', 20), 0.001 + 0.004 * 0.99 ** 20));
  // One-cycle: max/25 at the start, max after 30% of the run, max/1e4 at the end.
  assert.ok(close(at('onecycle:0.02', 0), 0.02 / 25) && close(at('onecycle:0.02', 30), 0.02));
  assert.ok(close(at('onecycle:0.02', 99), 0.02 / 1e4));
  for (const bad of [
    'warp',
    'step:3',
    'cosine:2',
    'triangular:0.01:0.001',
    'exp:-1',
    'onecycle:500',
    'exp-range:1e-3:1e-2:1.5',
  ])
    assert.throws(
      () => parseLrPolicy(bad),
      (e: unknown) => e instanceof AttestError && e.message.includes(bad),
      bad,
    );
});

test('the range test suggests where the smoothed loss falls fastest', () => {
  const points = Array.from({ length: 50 }, (_, k) => {
    const rate = 1e-5 * 1.2 ** k;
    // Flat, then falling fastest around 1e-3, then blowing up past 1e-2.
    const smoothed = 2 - 1.5 / (1 + Math.exp(-3 * (Math.log10(rate) + 3))) + (rate > 1e-2 ? 10 * rate : 0);
    return { rate, smoothed };
  });
  const { steepestRate, minimumRate } = suggestRate(points);
  assert.ok(steepestRate > 5e-4 && steepestRate < 2e-3, `steepest at ${steepestRate}`);
  assert.ok(minimumRate > 1e-4 && minimumRate < 2e-3, `minimum/10 at ${minimumRate}`);
});

test("fitEpochs applies the policy's rate every batch, in one thread and with replicas", async () => {
  await initEngine('wasm');
  for (const replicas of [0, 1]) {
    const model = buildEcgResnet({ inputLength: 187, classes: 3, seed: 2 });
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const before = model.getWeights().map((w) => w.dataSync().slice());
    const rates: number[] = [];
    try {
      await fitEpochs({
        model,
        inputs: Float32Array.from({ length: 130 * 187 }, (_, i) => Math.sin(i / 7)),
        labels: Int32Array.from({ length: 130 }, (_, i) => i % 3),
        sampleShape: [187, 1],
        classes: 3,
        epochs: 2,
        batchSize: 64,
        seed: 1,
        signal: new AbortController().signal,
        replicas,
        // A zero rate freezes the weights: proof that the optimizer took it, not its own 0.01.
        learningRateAt: (step) => {
          rates.push(step);
          return 0;
        },
      });
      assert.deepEqual(rates, [0, 1, 2, 3, 4, 5], `steps counted over the run (replicas ${replicas})`);
      model
        .getWeights()
        .forEach((w, k) => assert.deepEqual(w.dataSync(), before[k], `weight ${k} (replicas ${replicas})`));
    } finally {
      model.dispose();
      optimizer.dispose();
    }
  }
});

test('attest lr find and compare on synthetic patients: a sensible suggestion, models and audit events stored', async () => {
  await initEngine('wasm');
  const home = tempHome('lr');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 5, seconds: 60, seed: 3, split: parseSplitSpec('records:1:0.2') },
      ctx,
    );
    const found = await lrRangeTest(
      workspace,
      { datasetId: data.datasetId, arch: 'ecg-resnet', seed: 1, steps: 40, minRate: 1e-6, maxRate: 10 },
      ctx,
    );
    const rates = found.points.map((p) => p.rate);
    assert.ok(
      rates.every((r, k) => k === 0 || r > (rates[k - 1] as number)),
      'rates grow',
    );
    assert.ok(
      Math.abs((rates[1] as number) / (rates[0] as number) - 1e7 ** (1 / 39)) < 1e-9,
      'geometrically',
    );
    assert.ok(found.stoppedEarly, 'a rate of 10 blows the loss up and stops the test');
    assert.ok(found.suggestedRate > 1e-5 && found.suggestedRate < 1, `suggested ${found.suggestedRate}`);
    const compared = await compareLrPolicies(
      workspace,
      {
        datasetId: data.datasetId,
        arch: 'ecg-resnet',
        policies: ['constant', 'cosine:0.1'],
        epochs: 2,
        seeds: [1],
      },
      ctx,
    );
    assert.deepEqual(
      compared.rows.map((r) => r.policy),
      ['constant', 'cosine:0.1'],
    );
    for (const row of compared.rows) {
      assert.equal(row.runs.length, 1);
      assert.ok(row.meanMacroF1 >= 0 && row.meanMacroF1 <= 1 && row.meanSeconds > 0 && row.sdMacroF1 === 0);
    }
    const actions = (
      workspace.db.prepare('SELECT action FROM audit_events ORDER BY seq').all() as { action: string }[]
    ).map((r) => r.action);
    assert.ok(actions.includes('train.lr_range_test') && actions.includes('train.lr_compare'));
    assert.equal(actions.filter((a) => a === 'model.train').length, 2);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
