import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { levelsPerChannel, quantizeGradient8, quantizeWeights8 } from '../../src-main/core/train/low-bit.js';
import { compareLowBit } from '../../src-main/core/pipelines/compare/compare-low-bit.js';
import { decodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { getModel } from '../../src-main/core/store/models.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { tempHome } from '../helpers/temp-home.js';

test('8-bit gradients and weights: at most 255 levels, stochastic rounding unbiased on average', () => {
  const random = seededRandom(2);
  const kernel = Float32Array.from({ length: 5 * 4 * 3 }, () => random() * 2 - 1);
  quantizeWeights8(kernel, [5, 4, 3], random);
  for (const levels of levelsPerChannel(kernel, [5, 4, 3])) assert.ok(levels <= 255 && levels > 1);
  // A value a third of the way between two levels rounds up a third of the time: the mean is kept.
  const grads = new Float32Array(20_000).fill(1 / 3);
  grads[0] = 127; // the largest magnitude sets the scale to 1
  quantizeGradient8(grads, random);
  const rest = Array.from(grads.subarray(1));
  assert.ok(rest.every((v) => v === 0 || v === 1));
  const mean = rest.reduce((a: number, b) => a + b, 0) / rest.length;
  assert.ok(Math.abs(mean - 1 / 3) < 0.02, `mean ${mean}`);
});

test('lowbit compare: float, quantization-aware and fully quantized models scored side by side', async () => {
  await initEngine('wasm');
  const home = tempHome('low-bit');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 6, seconds: 90, seed: 4, split: parseSplitSpec('records:2:0.34') },
      ctx,
    );
    const { rows } = await compareLowBit(workspace, { datasetId: data.datasetId, epochs: 2, seed: 1 }, ctx);
    assert.deepEqual(
      rows.map((r) => r.method),
      ['float', 'qat', 'fully-quantized'],
    );
    // Beating chance: a model that always answers one class has a macro-F1 below 1/k (its one F1 is 2p/(1+p) < 1
    // for a class of share p < 1, the others 0), so each variant above 1/k has learned something from the beats.
    const classes = new Set(Object.values(data.splits).flatMap((split) => Object.keys(split.classes))).size;
    for (const r of rows)
      assert.ok(
        r.macroF1 > 1 / classes,
        `${r.method}: macro-F1 ${r.macroF1} is not above chance (1/${classes})`,
      );
    // The fully quantized model's kernels are on an 8-bit grid per output channel, and it quantizes activations.
    const row = getModel(workspace.db, rows[2]?.modelId as string);
    assert.equal(row.arch, 'ecg-resnet-q8');
    const { model } = await decodeModelArtifact(workspace.artifacts.get(row.artifactSha256), 'fqt');
    try {
      assert.ok(model.layers.some((l) => l.getClassName() === 'DynamicFakeQuant'));
      for (const w of model.weights.filter((w) => w.shape.length >= 2)) {
        const levels = levelsPerChannel(w.read().dataSync() as Float32Array, w.shape as number[]);
        assert.ok(
          levels.every((n) => n <= 255),
          `${w.name}: ${Math.max(...levels)} levels`,
        );
      }
    } finally {
      model.dispose();
    }
    const actions = (
      workspace.db.prepare('SELECT action FROM audit_events').all() as { action: string }[]
    ).map((r) => r.action);
    assert.ok(actions.includes('train.low_bit_compare'));
  } finally {
    workspace.close();
    home.cleanup();
  }
});
