import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { ARCHITECTURES, isOffered } from '../../src-main/core/models/registry.js';
import { getModel } from '../../src-main/core/store/models.js';

const MITDB = join(REPO_ROOT, 'resources', 'mitdb');
// One thread: the figures do not depend on how many cores the machine has free.
const env = { ATTEST_TRAIN_WORKERS: '0' };

test('train without --arch or --learning-rate: the recommended architecture, a range-tested rate, the best epoch kept at the time limit', async () => {
  const home = tempHome('train-defaults');
  const h = ['--home', home.dir];
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      join(MITDB, '100'),
      join(MITDB, '119'),
      join(MITDB, '208'),
      '--name',
      'three records',
      '--split',
      'records:1:0.34',
      '--duration',
      '60',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const datasetId = imported.json['datasetId'] as string;

    const trained = await runCli(['train', '--dataset', datasetId, '--epochs', '2', ...h, '--json'], { env });
    assert.equal(trained.code, 0, trained.stderr);
    assert.equal(trained.json['arch'], 'ecg-resnet');
    assert.match(trained.json['archReason'] as string, /heartbeat/);
    assert.match(trained.stderr, /architecture: ecg-resnet, recommended for this dataset/);
    const lrTest = trained.json['lrRangeTest'] as { points: { rate: number }[]; rate: number };
    assert.ok(lrTest.points.length > 10, 'the curve is in the result');
    assert.equal(trained.json['learningRate'], lrTest.rate);
    assert.ok(lrTest.rate >= 1e-4 && lrTest.rate <= 1e-2, `rate ${lrTest.rate}`);
    assert.match(trained.stderr, /learning rate \S+ from a range test of \d+ steps/);
    const workspace = Workspace.open(home.dir);
    try {
      const model = getModel(workspace.db, trained.json['modelId'] as string);
      assert.equal(model.arch, 'ecg-resnet');
      assert.equal(model.config['learningRate'], lrTest.rate, 'the model records the rate it trained at');
    } finally {
      workspace.close();
    }

    // --no-lr-test: Adam's usual 1e-3, no test.
    const plain = await runCli(
      ['train', '--dataset', datasetId, '--epochs', '1', '--no-lr-test', ...h, '--json'],
      {
        env,
      },
    );
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.json['learningRate'], 0.001);
    assert.equal(plain.json['lrRangeTest'], undefined);

    const both = await runCli(
      ['train', '--dataset', datasetId, '--learning-rate', '0.002', '--no-lr-test', ...h, '--json'],
      { env },
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--no-lr-test and --learning-rate exclude each other/);

    // A budget far below what the epochs would take (early stopping out of reach too): stopped by the time
    // limit, whatever the machine's speed, the best epoch kept.
    const budget = await runCli(
      [
        'train',
        '--dataset',
        datasetId,
        '--max-minutes',
        '0.05',
        '--epochs',
        '1000',
        '--patience',
        '1000',
        ...h,
        '--json',
      ],
      { env },
    );
    assert.equal(budget.code, 0, budget.stderr);
    assert.equal(budget.json['stoppedBy'], 'time-limit');
    const history = budget.json['history'] as {
      epoch: number;
      valMacroF1: number;
      checkpointSha256: string;
    }[];
    assert.equal(history.length, budget.json['epochsRun']);
    assert.ok(history.length < 1000);
    const best = history.find((e) => e.epoch === budget.json['bestEpoch']);
    assert.ok(best !== undefined);
    assert.equal(best.valMacroF1, Math.max(...history.map((e) => e.valMacroF1)));
    const after = Workspace.open(home.dir);
    try {
      const kept = getModel(after.db, budget.json['modelId'] as string);
      assert.equal(
        kept.artifactSha256,
        best.checkpointSha256,
        "the stored model is the best epoch's checkpoint",
      );
    } finally {
      after.close();
    }
  } finally {
    home.cleanup();
  }
});

test('train --help offers only the architectures that learn, and says how to skip the range test', async () => {
  const help = await runCli(['train', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--arch [a-z0-9|-]*ecg-resnet\|/);
  assert.doesNotMatch(help.stdout, /centernet-mobile/, 'the detector is trained by attest detect train');
  // Exactly the offered classifiers of the registry, in its order.
  const offered = Object.entries(ARCHITECTURES)
    .filter(([, a]) => isOffered(a) && !a.inputKinds.includes('detection-frame'))
    .map(([name]) => name);
  assert.ok(offered.includes('small-cnn') && offered.includes('mobilenet-student'));
  assert.match(help.stdout, new RegExp(`--arch ${offered.join('\\|')}\\]`));
  for (const [name, a] of Object.entries(ARCHITECTURES))
    if (!isOffered(a)) assert.doesNotMatch(help.stdout, new RegExp(`[|\\s]${name}[|\\]]`));
  assert.match(help.stdout, /--no-lr-test/);
});
