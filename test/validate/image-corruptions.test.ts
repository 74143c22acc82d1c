import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { AttestError } from '../../src-main/core/errors.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { compressModel } from '../../src-main/core/pipelines/compress/compress-model.js';
import {
  IMAGE_CORRUPTIONS,
  corruptImage,
  parseCorruptions,
  type ImageCorruption,
} from '../../src-main/core/validate/image-corruptions.js';
import type { CorruptionsResult } from '../../src-main/core/validate/corruptions-suite.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { gaussianNoise } from './fixtures.js';
import { tempHome } from '../helpers/temp-home.js';

const geometry = { height: 24, width: 24, channels: 1 };

/** A smooth test image in [0.2, 0.8]: a bright disc on a gradient. */
function testImage(): Float32Array {
  return Float32Array.from({ length: 24 * 24 }, (_, p) => {
    const y = Math.floor(p / 24);
    const x = p % 24;
    return 0.2 + 0.3 * (x / 23) + ((x - 12) ** 2 + (y - 12) ** 2 < 30 ? 0.3 : 0);
  });
}

const distance = (a: Float32Array, b: Float32Array): number =>
  Math.sqrt(a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0) / a.length);

test('every corruption stays in [0, 1], is reproducible, and departs further from the image with severity', async () => {
  const image = testImage();
  for (const name of Object.keys(IMAGE_CORRUPTIONS) as ImageCorruption[]) {
    const byseverity: number[] = [];
    for (const severity of [1, 3, 5]) {
      const a = await corruptImage(image, geometry, name, severity, 7);
      const b = await corruptImage(image, geometry, name, severity, 7);
      assert.deepEqual(a, b, `${name} ${severity} reproducible`);
      assert.ok(
        a.every((v) => v >= 0 && v <= 1),
        `${name} in range`,
      );
      byseverity.push(distance(a, image));
    }
    assert.ok((byseverity[0] as number) > 0, `${name} changes the image`);
    assert.ok((byseverity[2] as number) > (byseverity[0] as number), `${name}: ${byseverity.join(' < ')}`);
  }
  // Three channels survive JPEG as three channels.
  const rgb = Float32Array.from(gaussianNoise(24 * 24 * 3, 0.1, 3), (v) => 0.5 + v);
  const jpeg = await corruptImage(rgb, { ...geometry, channels: 3 }, 'jpeg', 3, 1);
  assert.equal(jpeg.length, rgb.length);
  assert.deepEqual(parseCorruptions('jpeg, fog'), ['jpeg', 'fog']);
  assert.equal(parseCorruptions('all').length, 8);
  assert.throws(
    () => parseCorruptions('rain'),
    (e: unknown) =>
      e instanceof AttestError && e.code === 'BAD_INPUT' && /unknown corruption "rain"/.test(e.message),
  );
});

test('the corruptions suite runs on an image dataset for a pruned child and its parent', async () => {
  await initEngine();
  const home = tempHome('attest-corruptions');
  const dir = mkdtempSync(join(tmpdir(), 'attest-mammo-'));
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    await writeSyntheticMammograms({
      out: dir,
      patients: 6,
      imagesPerPatient: 4,
      size: 32,
      seed: 2,
      format: 'png',
    });
    const imported = await importImageDataset(
      workspace,
      {
        format: 'images',
        inputs: [],
        csv: join(dir, 'labels.csv'),
        name: 'mammo',
        height: 16,
        width: 16,
        channels: 1,
      },
      ctx,
    );
    const datasetId = imported.datasetId;
    const parentId = (await trainModel(workspace, { datasetId, arch: 'small-cnn', epochs: 1, seed: 1 }, ctx))
      .modelId;
    const childId = (
      await compressModel(
        workspace,
        { modelId: parentId, recipe: 'prune:0.5,quant:int8', fineTuneEpochs: 0 },
        ctx,
      )
    ).modelId;
    const tensors = tf.memory().numTensors;
    const result = (await validateModel(
      workspace,
      {
        modelId: childId,
        datasetId,
        split: 'all',
        suites: ['corruptions'],
        corruptions: ['gaussian', 'jpeg'],
      },
      ctx,
    )) as unknown as { corruptions: CorruptionsResult; metricRows: number };
    assert.equal(tf.memory().numTensors, tensors);
    const r = result.corruptions;
    assert.equal(r.parentId, parentId);
    assert.deepEqual(
      r.corruptions.map((c) => [c.corruption, c.points.map((q) => q.severity)]),
      [
        ['gaussian', [1, 2, 3, 4, 5]],
        ['jpeg', [1, 2, 3, 4, 5]],
      ],
    );
    assert.ok(r.corruptions.every((c) => c.points.every((q) => q.parentAccuracy !== null)));
    assert.ok(r.meanCorruptionAccuracy >= 0 && r.meanCorruptionAccuracy <= 1);
    assert.ok(result.metricRows > 10);
  } finally {
    workspace.close();
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
