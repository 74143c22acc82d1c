import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { loadStoredModel } from '../../src-main/core/predict/load-stored-model.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { tempHome } from '../helpers/temp-home.js';

const ctx = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };

/** Every weight of a stored model as raw bytes: equal bytes are equal bits, NaN and -0 included. */
async function weightBytes(workspace: Workspace, modelId: string): Promise<Buffer[]> {
  const { model } = await loadStoredModel(workspace, modelId);
  try {
    return model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).slice().buffer));
  } finally {
    model.dispose();
  }
}

/**
 * Trains three times (seeds 3, 3 and 4) and checks the first two bit for bit and the third apart, on wasm, the
 * default backend. (The pure-JavaScript cpu backend runs the same seeded code, but a training on it takes over a
 * minute even on tiny images: too slow for the suite.)
 */
const CASES = [
  {
    backend: 'wasm',
    arch: 'ecg-resnet',
    dataset: (workspace: Workspace) =>
      importWfdbDataset(
        workspace,
        {
          inputs: ['100', '119', '208'].map((r) => resourcePath('mitdb', r)),
          name: 'three records',
          split: parseSplitSpec('records:1:0.34'),
          durationSeconds: 60,
        },
        ctx,
      ).datasetId,
  },
] as const;

for (const c of CASES) {
  test(`same seed, same data: bit-identical weights, the range-tested learning rate included (${c.backend}, ${c.arch})`, async () => {
    const home = tempHome('reproducible');
    const workspace = Workspace.open(home.dir);
    const previous = process.env['ATTEST_TRAIN_WORKERS'];
    process.env['ATTEST_TRAIN_WORKERS'] = '0';
    try {
      await initEngine(c.backend);
      const datasetId = c.dataset(workspace);
      const train = (seed: number) =>
        trainModel(
          workspace,
          { datasetId, arch: c.arch, epochs: 2, patience: 2, seed, batchSize: 16, lrRangeTest: true },
          ctx,
        );
      const first = await train(3);
      const second = await train(3);
      const other = await train(4);
      assert.equal(first.backend, c.backend);
      assert.ok(first.lrRangeTest !== undefined && first.lrRangeTest.points.length > 10);
      assert.equal(second.learningRate, first.learningRate, 'the range test repeats');
      assert.deepEqual(
        second.history.map((e) => [e.loss, e.valMacroF1, e.checkpointSha256]),
        first.history.map((e) => [e.loss, e.valMacroF1, e.checkpointSha256]),
      );
      const a = await weightBytes(workspace, first.modelId);
      const b = await weightBytes(workspace, second.modelId);
      assert.equal(a.length, b.length);
      a.forEach((bytes, k) => assert.ok(bytes.equals(b[k] as Buffer), `weight ${k} differs`));
      // The comparison can fail: another seed gives other weights.
      const other4 = await weightBytes(workspace, other.modelId);
      assert.ok(
        a.some((bytes, k) => !bytes.equals(other4[k] as Buffer)),
        'seed 4 trained the same weights as seed 3',
      );
    } finally {
      if (previous === undefined) delete process.env['ATTEST_TRAIN_WORKERS'];
      else process.env['ATTEST_TRAIN_WORKERS'] = previous;
      workspace.close();
      home.cleanup();
    }
  });
}
