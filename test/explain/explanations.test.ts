import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { giniIndex, spearman, topKOverlap } from '../../src-main/core/explain/attribution-quality.js';
import { integratedGradients } from '../../src-main/core/explain/integrated-gradients.js';
import { explainModels } from '../../src-main/core/pipelines/explain/explain-models.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { tempHome } from '../helpers/temp-home.js';

test('Gini index, top-k overlap and rank correlation on known cases', () => {
  assert.equal(giniIndex([1, 1, 1, 1]), 0);
  assert.ok(Math.abs(giniIndex([0, 0, 0, 5]) - 0.75) < 1e-12);
  assert.ok(Math.abs(giniIndex([-2, 0, 0, 0]) - 0.75) < 1e-12, 'absolute values');
  assert.equal(topKOverlap([9, 1, 8, 2], [7, 0, 9, 1], 2), 1);
  assert.equal(topKOverlap([9, 1, 8, 2], [0, 9, 1, 8], 2), 0);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < 1e-12);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12);
  assert.ok(Math.abs(spearman([1, 1, 3, 4], [1, 1, 3, 4]) - 1) < 1e-12, 'ties');
});

test('Integrated Gradients: complete, zero where the model looks nowhere, no tensor leak', async () => {
  await initEngine('wasm');
  const input = tfl.input({ shape: [6] });
  const dense = tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: 'glorotUniform' });
  const model = tfl.model({ inputs: input, outputs: dense.apply(input) as tfl.SymbolicTensor });
  // Inputs 4 and 5 have no weight: the model ignores them.
  const [kernel, bias] = dense.getWeights();
  const masked = tf.tidy(() => tf.mul(kernel as tf.Tensor, tf.tensor2d([1, 1, 1, 1, 0, 0], [6, 1])));
  dense.setWeights([masked, bias as tf.Tensor]);
  masked.dispose();
  const random = seededRandom(3);
  const inputs = Float32Array.from({ length: 5 * 6 }, () => random() * 4 - 2);
  const baseline = tf.memory().numTensors;
  const { attributions, completenessError } = integratedGradients(
    model,
    inputs,
    [6],
    Int32Array.from([0, 1, 2, 0, 1]),
    128,
  );
  assert.equal(tf.memory().numTensors, baseline);
  assert.ok(completenessError < 1e-3, `completeness error ${completenessError}`);
  for (let i = 0; i < 5; i++) {
    assert.ok(attributions[i * 6 + 4] === 0 && attributions[i * 6 + 5] === 0, `sample ${i}`);
  }
  model.dispose();
});

test('stability training and attribution figures on synthetic patients, recorded in the audit trail', async () => {
  await initEngine('wasm');
  const home = tempHome('explain');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 5, seconds: 60, seed: 6, split: parseSplitSpec('records:1:0.2') },
      ctx,
    );
    const plain = await trainModel(
      workspace,
      { datasetId: data.datasetId, arch: 'ecg-resnet', epochs: 2, seed: 1 },
      ctx,
    );
    const stable = await trainModel(
      workspace,
      { datasetId: data.datasetId, arch: 'ecg-resnet', epochs: 2, seed: 1, stability: '1:0.1' },
      ctx,
    );
    const losses = stable.history.map((h) => h.loss);
    assert.ok(
      (losses[1] as number) < (losses[0] as number),
      `a stability-trained model still learns (${losses})`,
    );
    assert.notDeepEqual(
      stable.history.map((h) => h.loss),
      plain.history.map((h) => h.loss),
      'the term changes the objective',
    );
    await assert.rejects(
      trainModel(
        workspace,
        { datasetId: data.datasetId, arch: 'ecg-resnet', epochs: 1, seed: 1, stability: '0' },
        ctx,
      ),
      /--stability/,
    );
    const explained = await explainModels(workspace, {
      modelIds: [plain.modelId, stable.modelId],
      datasetId: data.datasetId,
      split: 'test',
      samples: 20,
      steps: 16,
    });
    assert.deepEqual(
      explained.models.map((m) => m.modelId),
      [plain.modelId, stable.modelId],
    );
    for (const m of explained.models) {
      assert.equal(m.samples, 20);
      assert.ok(m.gini > 0 && m.gini < 1, `Gini ${m.gini}`);
      assert.ok(m.topOverlap > 0 && m.topOverlap <= 1 && m.rankCorrelation > 0 && m.rankCorrelation <= 1);
      assert.ok(m.completenessError < 0.1, `completeness ${m.completenessError}`);
    }
    const actions = (
      workspace.db.prepare('SELECT action FROM audit_events').all() as { action: string }[]
    ).map((r) => r.action);
    assert.ok(actions.includes('model.explanations'));
  } finally {
    workspace.close();
    home.cleanup();
  }
});
