import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { ARCHITECTURES, isOffered } from '../../src-main/core/models/registry.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { labelsOf, sampleIndices } from '../../src-main/core/data/sample-dataset.js';
import { loadStoredModel } from '../../src-main/core/predict/load-stored-model.js';
import { predictClasses } from '../../src-main/core/predict/predict.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { tempHome } from '../helpers/temp-home.js';
import { writeStripes } from '../helpers/stripes.js';

/*
 * Every architecture Attest offers must learn from scratch on its kind of data, with the settings a user gets
 * without tuning (the learning rate from a range test): the loss falls and held-out accuracy beats always
 * answering the majority class. The test iterates the registry, so an architecture added there is covered at
 * once; one that cannot learn is marked `offered: false` in the registry (hidden from users), not skipped here.
 */

/** Input kinds this test has no data for, with the test that shows their architectures learn. */
const COVERED_ELSEWHERE: Record<string, string> = {
  'detection-frame': 'test/detect/centernet.test.ts (the loss falls on the active backend)',
};

/**
 * Architectures that learn the stripes as well on 16 px images and half the samples, and take a minute each at
 * 32 px on a CPU: trained on the smaller set (16 px is the smallest size they are offered for), which keeps the
 * check (loss falls, held-out accuracy beats the majority class) and not the minute.
 */
const SMALL_IMAGES = new Set(['resnet18', 'resnet-small']);

const ctx = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
const home = tempHome('arch-learn');
let workspace: Workspace;
const datasets = new Map<string, string>();
const previousWorkers = process.env['ATTEST_TRAIN_WORKERS'];

before(async () => {
  process.env['ATTEST_TRAIN_WORKERS'] = '0';
  await initEngine();
  workspace = Workspace.open(home.dir);
  // The bundled MIT-BIH records, five minutes each; held-out beats of the same records (a learnability check,
  // not a generalization figure).
  const ecg = importWfdbDataset(
    workspace,
    {
      inputs: ['100', '106', '119', '208', '209'].map((r) => resourcePath('mitdb', r)),
      name: 'beats',
      split: parseSplitSpec('beats:1:0.3'),
      durationSeconds: 300,
    },
    ctx,
  );
  datasets.set('ecg-beat', ecg.datasetId);
  // The same beats with their R-R context, for the architectures that read it.
  const rr = importWfdbDataset(
    workspace,
    {
      inputs: ['100', '106', '119', '208', '209'].map((r) => resourcePath('mitdb', r)),
      name: 'beats-rr',
      split: parseSplitSpec('beats:1:0.3'),
      durationSeconds: 300,
      preset: 'record-normalized-rr',
    },
    ctx,
  );
  datasets.set('ecg-beat-rr', rr.datasetId);
  const folder = join(home.dir, 'stripes');
  await writeStripes(folder, 80, 32);
  const images = await importImageDataset(
    workspace,
    {
      format: 'images',
      inputs: [folder],
      name: 'stripes',
      height: 32,
      split: { kind: 'files', seed: 1, testFraction: 0.3 },
    },
    ctx,
  );
  datasets.set('image', images.datasetId);
  const smallFolder = join(home.dir, 'stripes-16');
  await writeStripes(smallFolder, 40, 16);
  const small = await importImageDataset(
    workspace,
    {
      format: 'images',
      inputs: [smallFolder],
      name: 'stripes-16',
      height: 16,
      split: { kind: 'files', seed: 1, testFraction: 0.3 },
    },
    ctx,
  );
  datasets.set('image-16', small.datasetId);
});

after(() => {
  workspace?.close();
  home.cleanup();
  if (previousWorkers === undefined) delete process.env['ATTEST_TRAIN_WORKERS'];
  else process.env['ATTEST_TRAIN_WORKERS'] = previousWorkers;
});

for (const [name, architecture] of Object.entries(ARCHITECTURES)) {
  if (!isOffered(architecture)) continue;
  test(`${name} learns from scratch on its kind of data`, async (t) => {
    const kind = architecture.inputKinds.find((k) => datasets.has(k));
    if (kind === undefined) {
      const elsewhere = architecture.inputKinds.map((k) => COVERED_ELSEWHERE[k]).find((t) => t !== undefined);
      assert.ok(elsewhere !== undefined, `${name} reads ${architecture.inputKinds.join(', ')}: no data here`);
      return;
    }
    const datasetId = datasets.get(kind === 'image' && SMALL_IMAGES.has(name) ? 'image-16' : kind) as string;
    const trained = await trainModel(
      workspace,
      { datasetId, arch: name, epochs: 5, patience: 5, seed: 1, batchSize: 32, lrRangeTest: true },
      ctx,
    );
    const losses = trained.history.map((e) => e.loss);
    assert.ok(losses.every(Number.isFinite), `${name}: losses ${losses.join(', ')}`);
    // Below the first epoch's loss, and well below ln(classes), the loss of an untrained uniform answer.
    const floor = Math.log(trained.validation.labels.length);
    assert.ok(
      (losses.at(-1) as number) < (losses[0] as number) && Math.min(...losses) < 0.8 * floor,
      `${name}: the loss did not fall: ${losses.join(', ')}`,
    );
    const dataset = loadDataset(workspace, datasetId);
    const test = sampleIndices(dataset, 'test');
    const labels = labelsOf(dataset, test);
    const { model } = await loadStoredModel(workspace, trained.modelId);
    try {
      const predicted = predictClasses(model, dataset.inputs(test), dataset.sampleShape);
      // Training weighs the classes equally, so accuracy is measured that way too: the mean recall over the
      // classes in the held-out data, where always answering the majority class scores 1 / (classes present).
      const present = [...new Set(labels)];
      const recall = (c: number) => {
        const of = labels.map((l, k) => (l === c ? k : -1)).filter((k) => k >= 0);
        return of.filter((k) => predicted[k] === c).length / of.length;
      };
      const balanced = present.reduce((sum, c) => sum + recall(c), 0) / present.length;
      const majority = 1 / present.length;
      t.diagnostic(
        `${name}: learning rate ${trained.learningRate.toExponential(2)}, losses ${losses.map((l) => l.toFixed(3)).join(', ')}, held-out balanced accuracy ${balanced.toFixed(4)} (majority ${majority.toFixed(4)}), ${trained.seconds.toFixed(1)} s`,
      );
      assert.ok(
        balanced > majority + 0.1,
        `${name}: held-out balanced accuracy ${balanced.toFixed(4)} is not above the majority class's ${majority.toFixed(4)} (losses ${losses.map((l) => l.toFixed(3)).join(', ')}, learning rate ${trained.learningRate})`,
      );
    } finally {
      model.dispose();
    }
  });
}
