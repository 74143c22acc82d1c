import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { buildEcgResnet } from '../../src-main/core/models/ecg-resnet.js';
import { parseSemi, semiSupervisedHooks } from '../../src-main/core/train/semi-supervised.js';
import { compareSemiSupervised } from '../../src-main/core/pipelines/compare/compare-semi.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { tempHome } from '../helpers/temp-home.js';

test('consistency terms: mean teacher noisy views and an averaged teacher, VAT points at radius epsilon', async () => {
  await initEngine('wasm');
  const random = seededRandom(1);
  const x = Float32Array.from({ length: 4 * 187 }, () => random() * 2 - 1);
  for (const method of ['mean-teacher', 'vat', 'ema-vat'] as const) {
    const student = buildEcgResnet({ inputLength: 187, classes: 3, seed: 1 });
    const hooks = semiSupervisedHooks(
      student,
      buildEcgResnet({ inputLength: 187, classes: 3, seed: 9 }),
      [187, 1],
      parseSemi(method),
      1,
    );
    const baseline = tf.memory().numTensors;
    const term = hooks.consistencyOf(x, 4, 0);
    assert.equal(tf.memory().numTensors, baseline, `${method}: no leak`);
    assert.equal(term.inputs.length, x.length);
    assert.equal(term.targets.length, 4 * 3);
    for (let i = 0; i < 4; i++) {
      const row = term.targets.subarray(i * 3, i * 3 + 3);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'targets are probabilities');
      let squared = 0;
      for (let j = i * 187; j < (i + 1) * 187; j++)
        squared += ((term.inputs[j] as number) - (x[j] as number)) ** 2;
      if (method === 'mean-teacher')
        assert.ok(Math.abs(Math.sqrt(squared / 187) - 0.1) < 0.03, 'noise of sigma 0.1');
      else
        assert.ok(Math.abs(Math.sqrt(squared) - 1) < 1e-3, `${method}: perturbation of L2 norm epsilon = 1`);
    }
    assert.equal(term.kind, method === 'mean-teacher' ? 'mse' : 'kl');
    assert.ok(term.weight < parseSemi(method).weight, 'the weight ramps up from below');
    // The teacher starts as a copy of the student, then moves towards it as an average.
    const studentOut = (student.predict(tf.tensor(x, [4, 187, 1])) as tf.Tensor).dataSync();
    hooks.afterStep();
    hooks.dispose();
    student.dispose();
    assert.equal(studentOut.length, 12);
  }
  assert.throws(() => parseSemi('pseudo-label'), /unknown method/);
  assert.throws(() => parseSemi('vat:0'), /EPSILON/);
});

test('semi compare: supervised and semi-supervised models at a fraction of labels, stored and audited', async () => {
  await initEngine('wasm');
  const home = tempHome('semi');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 6, seconds: 90, seed: 4, split: parseSplitSpec('records:2:0.2') },
      ctx,
    );
    const result = await compareSemiSupervised(
      workspace,
      {
        datasetId: data.datasetId,
        arch: 'ecg-resnet',
        method: 'mean-teacher',
        fractions: [0.25],
        epochs: 2,
        seed: 1,
      },
      ctx,
    );
    const [row] = result.rows;
    assert.ok(row !== undefined);
    assert.equal(row.fraction, 0.25);
    assert.ok(row.supervised.labeledSamples > 0);
    // The same seeded quarter of the labels on both sides; the semi-supervised model also sees the rest unlabelled.
    assert.equal(row.semiSupervised.labeledSamples, row.supervised.labeledSamples);
    assert.ok(Math.abs(row.gain - (row.semiSupervised.macroF1 - row.supervised.macroF1)) < 1e-12);
    // Beating chance: always answering one class gives a macro-F1 below 1/k (2p/(1+p) < 1 for that class, 0 for
    // the others), so the semi-supervised model above 1/k learned from its quarter of labels and the rest.
    const classes = new Set(Object.values(data.splits).flatMap((split) => Object.keys(split.classes))).size;
    assert.ok(
      row.semiSupervised.macroF1 > 1 / classes,
      `semi-supervised macro-F1 ${row.semiSupervised.macroF1} is not above chance (1/${classes})`,
    );
    const models = workspace.db.prepare('SELECT summary_json FROM models').all() as {
      summary_json: string;
    }[];
    const trainSizes = models.map((m) => (JSON.parse(m.summary_json) as { trainBeats: number }).trainBeats);
    assert.ok(
      (trainSizes[1] as number) > 2 * (trainSizes[0] as number),
      `semi sees the unlabelled samples: ${trainSizes}`,
    );
    const actions = (
      workspace.db.prepare('SELECT action FROM audit_events').all() as { action: string }[]
    ).map((r) => r.action);
    assert.ok(actions.includes('train.semi_compare'));
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('the labelled mask weighs the cross-entropy: all ones is plain training, half leaves half the loss', async () => {
  await initEngine('wasm');
  const n = 128;
  const inputs = Float32Array.from(
    { length: n * 187 },
    (_, i) => Math.sin(i / 7) + (Math.floor(i / 187) % 3) * Math.cos(i / 3),
  );
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const lossWith = async (labeledMask?: Uint8Array): Promise<number[]> => {
    const model = buildEcgResnet({ inputLength: 187, classes: 3, seed: 1 });
    const optimizer = tf.train.adam(1e-3);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const losses: number[] = [];
    try {
      await fitEpochs({
        model,
        inputs,
        labels,
        sampleShape: [187, 1],
        classes: 3,
        epochs: 1,
        batchSize: 64,
        seed: 1,
        signal: new AbortController().signal,
        replicas: 1,
        ...(labeledMask !== undefined ? { labeledMask } : {}),
        onEpochEnd(_e, loss) {
          losses.push(loss);
          return 'continue';
        },
      });
    } finally {
      model.dispose();
      optimizer.dispose();
    }
    return losses;
  };
  const plain = await lossWith();
  assert.deepEqual(await lossWith(new Uint8Array(n).fill(1)), plain);
  const half = (await lossWith(Uint8Array.from({ length: n }, (_, i) => i % 2)))[0] as number;
  assert.ok(
    half > 0.3 * (plain[0] as number) && half < 0.7 * (plain[0] as number),
    `${half} against ${plain[0]}`,
  );
});
