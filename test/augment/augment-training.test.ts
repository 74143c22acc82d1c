import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineInfo, initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { getModel } from '../../src-main/core/store/models.js';
import { listJobs } from '../../src-main/core/store/jobs.js';
import { listComparisons } from '../../src-main/core/store/method-comparisons.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { trainGenerator } from '../../src-main/core/pipelines/generative/train-generator.js';
import { checkGenerator } from '../../src-main/core/pipelines/generative/check-generator.js';
import { listGenerators } from '../../src-main/core/generative/generator-store.js';
import { compareAugmentation } from '../../src-main/core/pipelines/compare/compare-augmentation.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';
import { storeMammogramDataset } from './patches.js';

// One thread: the test measures behaviour, not speed, and replicas would only add start-up time.
process.env['ATTEST_TRAIN_WORKERS'] = '0';

const base = { arch: 'small-cnn', epochs: 1, seed: 1, batchSize: 16 };

test('augmentation in training, generators and the comparison: stored, audited, reproducible', async () => {
  await initEngine('wasm');
  const home = tempHome('augment');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const datasetId = storeMammogramDataset(workspace);
    const tensors = tf.memory().numTensors;

    // A stored generator with its leak check, then the check again with fresh samples; both audited.
    const generated = await trainGenerator(workspace, { datasetId, epochs: 2, seed: 1 }, ctx);
    assert.equal(generated.reused, false);
    assert.equal(generated.trainingSamples + generated.heldOutSamples, 120);
    assert.ok(generated.heldOutSamples >= 20);
    assert.ok(generated.leakCheck !== undefined);
    const stored = listGenerators(workspace);
    assert.deepEqual(
      stored.map((g) => g.generatorId),
      [generated.generator.generatorId],
    );
    assert.ok(workspace.artifacts.has(generated.generator.sha256));
    const checked = await checkGenerator(
      workspace,
      { generatorId: generated.generator.generatorId, seed: 5, samples: 50 },
      ctx,
    );
    assert.equal(checked.leakCheck.counts.synthetic, 50);
    const generatorEvents = listAuditEvents(workspace.db, { entityId: generated.generator.generatorId });
    assert.deepEqual(
      generatorEvents.map((e) => e.action),
      ['generative.train', 'generative.leak_check'],
    );

    // Classical augmentation: recorded in the training parameters, reproducible with the seed.
    const classicA = await trainModel(workspace, { ...base, datasetId, augment: 'classic' }, ctx);
    const classicB = await trainModel(workspace, { ...base, datasetId, augment: 'classic' }, ctx);
    const plain = await trainModel(workspace, { ...base, datasetId }, ctx);
    const rowA = getModel(workspace.db, classicA.modelId);
    assert.equal(rowA.config['augment'], 'classic');
    assert.equal(
      rowA.artifactSha256,
      getModel(workspace.db, classicB.modelId).artifactSha256,
      'same seed, same model',
    );
    assert.notEqual(
      rowA.artifactSha256,
      getModel(workspace.db, plain.modelId).artifactSha256,
      'augmentation changes training',
    );

    // Synthetic patches from the stored generator: the generator is an audited input of the model.
    const withStored = await trainModel(
      workspace,
      { ...base, datasetId, augment: 'synthetic:0.5', generatorId: generated.generator.generatorId },
      ctx,
    );
    const synthetic = (
      getModel(workspace.db, withStored.modelId).summary['augmentation'] as {
        synthetic: { samples: number; generatorId: string; trainedForThisRun: boolean };
      }
    ).synthetic;
    assert.equal(synthetic.generatorId, generated.generator.generatorId);
    assert.equal(synthetic.samples, Math.round(0.5 * withStored.labeledSamples));
    const trainEvent = listAuditEvents(workspace.db, { entityId: withStored.modelId }).find(
      (e) => e.action === 'model.train',
    );
    assert.deepEqual(trainEvent?.payload.inputs?.[1], {
      role: 'generator',
      sha256: generated.generator.sha256,
    });
    // The audit trail says which wasm kernels trained the model (a seeded run repeats on the same ones).
    assert.equal(trainEvent?.payload['kernels'], engineInfo().kernels);
    assert.ok(
      trainEvent?.payload['backend'] !== 'wasm' || String(trainEvent.payload['kernels']).startsWith('simd'),
    );

    // The comparison trains its own generator on the classifier's samples; synthetic and both share it.
    const compared = await compareAugmentation(
      workspace,
      { datasetId, epochs: 1, generatorEpochs: 1, batchSize: 16, seeds: [1] },
      ctx,
    );
    assert.deepEqual(
      compared.rows.map((r) => r.configuration),
      ['none', 'classic', 'synthetic', 'both'],
    );
    assert.equal(compared.rows[0]?.gainMacroF1, 0);
    assert.equal(compared.generators.length, 1, 'one generator for synthetic and both');
    assert.equal(listGenerators(workspace).length, 2);
    const bothRun = compared.rows[3]?.runs[0];
    assert.equal(bothRun?.generatorId, compared.generators[0]?.generatorId);
    assert.equal(bothRun?.syntheticSamples, bothRun?.realSamples);
    for (const row of compared.rows) {
      const none = compared.rows[0]?.runs[0];
      assert.ok(Math.abs(row.gainMacroF1 - ((row.runs[0]?.macroF1 ?? NaN) - (none?.macroF1 ?? NaN))) < 1e-12);
    }
    assert.match(
      compared.summary,
      /With all the training data, the plain baseline reaches a test macro-F1 of/,
    );
    const [comparison] = listComparisons(workspace.db, { datasetId });
    assert.equal(comparison?.id, compared.comparisonId);
    assert.equal(comparison?.kind, 'augmentation');
    assert.equal(comparison?.models.length, 4);
    assert.ok(
      listAuditEvents(workspace.db).some(
        (e) => e.action === 'augment.compare' && e.payload['comparisonId'] === compared.comparisonId,
      ),
    );
    assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
    assert.equal(verifyAuditTrail(workspace).problems.length, 0);

    // Bad input is refused before a job starts.
    const jobs = listJobs(workspace.db).length;
    await assert.rejects(
      trainModel(workspace, { ...base, datasetId, generatorId: generated.generator.generatorId }, ctx),
      /--generator and --generator-epochs need --augment synthetic/,
    );
    await assert.rejects(
      trainModel(workspace, { ...base, datasetId, augment: 'classic', hardening: 'pgd:0.05' }, ctx),
      /does not combine with --harden/,
    );
    await assert.rejects(
      compareAugmentation(workspace, { datasetId, fractions: [0] }, ctx),
      /--fractions takes shares/,
    );
    assert.equal(listJobs(workspace.db).length, jobs);
  } finally {
    workspace.close();
  }
  // The same through the command line: usage errors exit 2 and name the option.
  const bad = await runCli([
    '--home',
    home.dir,
    'train',
    '--dataset',
    'x',
    '--arch',
    'small-cnn',
    '--augment',
    'mixup',
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--augment: unknown part "mixup"/);
  const list = await runCli(['--home', home.dir, 'generative', 'list', '--json']);
  assert.equal(list.code, 0);
  assert.equal((list.json['generators'] as unknown[]).length, 2);
  home.cleanup();
});
