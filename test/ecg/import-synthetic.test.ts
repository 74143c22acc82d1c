import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import type { ClassificationMetrics } from '../../src-main/core/metrics/metrics.js';

test('attest import synthetic-ecg stores synthetic patients split by record; a model learns to tell N, S, V apart', async () => {
  const home = tempHome('synthetic-ecg');
  try {
    const args = ['import', 'synthetic-ecg', '--name', 'synthetic', '--records', '8', '--seconds', '150'];
    const imported = await runCli([
      ...args,
      '--seed',
      '4',
      '--split',
      'records:2:0.25',
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const splits = imported.json['splits'] as Record<
      string,
      { total: number; records: string[]; classes: Record<string, number> }
    >;
    assert.equal(splits['test']?.records.length, 2);
    assert.equal(splits['train']?.records.length, 6);
    assert.ok(splits['train']?.records.every((r) => /^syn0[1-8]$/.test(r)));
    for (const cls of ['N', 'S', 'V', 'F'])
      assert.ok((splits['train']?.classes[cls] ?? 0) > 10, `train has ${cls} beats`);
    // Same parameters, same data: the bundle hash is reproducible.
    const again = await runCli([
      ...args,
      '--seed',
      '4',
      '--split',
      'records:2:0.25',
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(again.json['dataSha256'], imported.json['dataSha256']);
    const other = await runCli([
      ...args,
      '--seed',
      '5',
      '--split',
      'records:2:0.25',
      '--home',
      home.dir,
      '--json',
    ]);
    assert.notEqual(other.json['dataSha256'], imported.json['dataSha256']);
    const bad = await runCli([
      'import',
      'synthetic-ecg',
      '--name',
      'x',
      '--ectopy',
      'V=2',
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /probabilities/);

    await initEngine();
    const workspace = Workspace.open(home.dir);
    try {
      const datasetId = imported.json['datasetId'] as string;
      const trained = await trainModel(
        workspace,
        { datasetId, arch: 'ecg-resnet', epochs: 3, seed: 1 },
        quietContext(),
      );
      const validated = await validateModel(
        workspace,
        { modelId: trained.modelId, datasetId, split: 'test', suites: ['clean'] },
        quietContext(),
      );
      const clean = (validated as unknown as { clean: ClassificationMetrics }).clean;
      const sensitivity = (label: string) => clean.perClass.find((c) => c.label === label)?.sensitivity ?? 0;
      // On unseen synthetic patients, the morphologies are learnable: well above the 25% of guessing.
      assert.ok(clean.accuracy > 0.8, `accuracy ${clean.accuracy}`);
      assert.ok(sensitivity('V') > 0.8, `V sensitivity ${sensitivity('V')}`);
      assert.ok(sensitivity('N') > 0.8, `N sensitivity ${sensitivity('N')}`);
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});
