import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempHome } from '../helpers/temp-home.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { loadImageDataset } from '../../src-main/core/data/images/image-dataset.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { explainSample } from '../../src-main/core/explain/explain-sample.js';
import { explainImageFile } from '../../src-main/core/explain/explain-image-file.js';
import { MAX_UPLOADED_IMAGE_BYTES } from '../../src-main/contract/actions-try.js';

/*
 * "Try it" with an image file: the file, read from disk or sent as bytes, must reach the model exactly as the
 * same image did when it was imported into the training dataset (resized from 24 to 16 pixels, grey, the
 * training split's normalization). The answer is checked against the error browser's explanation of that
 * stored sample, found by its pixels; bad files are refused by name.
 */
test('an image file is preprocessed like the training images and explained; bad files are refused by name', async () => {
  const home = tempHome('try-image');
  const data = mkdtempSync(join(tmpdir(), 'attest-try-image-'));
  await initEngine('wasm');
  const workspace = Workspace.open(home.dir);
  try {
    const folder = join(data, 'patches');
    await writeSyntheticMammograms({
      out: folder,
      patients: 6,
      imagesPerPatient: 4,
      size: 24,
      seed: 11,
      format: 'png',
    });
    const imported = await importImageDataset(
      workspace,
      { format: 'images', inputs: [folder], name: 'patches', height: 16, width: 16 },
      quietContext(),
    );
    const trained = await trainModel(
      workspace,
      { datasetId: imported.datasetId, arch: 'small-cnn', epochs: 1, seed: 3 },
      quietContext(),
    );
    const dataset = loadImageDataset(workspace, imported.datasetId);
    const classFolder = readdirSync(folder, { withFileTypes: true }).find((d) => d.isDirectory());
    assert.ok(classFolder !== undefined);
    const fileName = readdirSync(join(folder, classFolder.name)).find((f) => f.endsWith('.png'));
    assert.ok(fileName !== undefined);
    const path = join(folder, classFolder.name, fileName);

    // The stored sample of this file: the one whose pixels are nearest to the file's, shrunk to 16 x 16 by
    // averaging 1.5 x 1.5 pixel areas (computed here from the decoded file, independently of the import code).
    const raw = await sharp(readFileSync(path)).greyscale().raw().toBuffer({ resolveWithObject: true });
    assert.equal(raw.info.width, 24);
    const size = 16 * 16;
    const distances = Array.from({ length: dataset.labels.length }, (_, i) => {
      let d = 0;
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 16; x++) {
          // Area average of the 1.5 x 1.5 source square of this output pixel.
          let sum = 0;
          let weight = 0;
          for (let sy = Math.floor(y * 1.5); sy < Math.ceil(y * 1.5 + 1.5); sy++)
            for (let sx = Math.floor(x * 1.5); sx < Math.ceil(x * 1.5 + 1.5); sx++) {
              const w =
                (Math.min(y * 1.5 + 1.5, sy + 1) - Math.max(y * 1.5, sy)) *
                (Math.min(x * 1.5 + 1.5, sx + 1) - Math.max(x * 1.5, sx));
              sum += w * ((raw.data[sy * 24 + sx] as number) / 255);
              weight += w;
            }
          d += (sum / weight - (dataset.pixels[i * size + y * 16 + x] as number) / 65535) ** 2;
        }
      return d;
    });
    const index = distances.indexOf(Math.min(...distances));
    const nearest = distances[index] as number;
    const next = Math.min(...distances.filter((_, i) => i !== index));
    // 8-bit reading here against the import's 16-bit: a rounding apart, where any other image is far away.
    assert.ok(
      nearest < 1e-3 && next > 20 * nearest,
      `the file is a stored sample (${nearest}, next ${next})`,
    );
    const stored = await explainSample(workspace, {
      modelId: trained.modelId,
      datasetId: imported.datasetId,
      index,
    });

    const fromPath = await explainImageFile(workspace, { modelId: trained.modelId, image: { path } });
    const bytes = readFileSync(path);
    const fromBytes = await explainImageFile(workspace, {
      modelId: trained.modelId,
      image: { name: fileName, bytes },
    });
    for (const tried of [fromPath, fromBytes]) {
      assert.equal(tried.file, fileName);
      assert.deepEqual(tried.source, { width: 24, height: 24, channels: 1 });
      assert.deepEqual(tried.sampleShape, [16, 16, 1]);
      assert.match(tried.preprocessing, /^resized from 24 x 24 to 16 x 16, in grey, /);
      assert.equal(tried.predicted, stored.predicted);
      assert.deepEqual(
        tried.probabilities.map((p) => p.label),
        stored.probabilities.map((p) => p.label),
      );
      for (const [k, p] of tried.probabilities.entries())
        assert.ok(
          Math.abs(p.probability - (stored.probabilities[k]?.probability ?? NaN)) < 1e-3,
          `p(${p.label}) ${p.probability} from the file, ${stored.probabilities[k]?.probability} stored`,
        );
      assert.equal(tried.attribution?.length, size);
      assert.ok(tried.completenessError !== null && tried.completenessError < 0.05);
      const png = await sharp(Buffer.from(tried.png.split(',')[1] ?? '', 'base64')).metadata();
      assert.deepEqual([png.width, png.height], [16, 16]);
    }
    assert.deepEqual(fromBytes.probabilities, fromPath.probabilities);

    const refused = async (image: { path: string } | { name: string; bytes: Uint8Array }, why: RegExp) =>
      assert.rejects(explainImageFile(workspace, { modelId: trained.modelId, image }), (error: Error) => {
        assert.match(error.message, why);
        return true;
      });
    await refused(
      { name: 'notes.txt', bytes: Buffer.from('hello') },
      /^notes\.txt: a \.txt file is not an image/,
    );
    await refused(
      { name: 'scan.png', bytes: Buffer.from('not a picture at all') },
      /^scan\.png: not a readable image/,
    );
    await refused(
      { name: 'huge.png', bytes: Buffer.concat([bytes, Buffer.alloc(MAX_UPLOADED_IMAGE_BYTES)]) },
      /^huge\.png: is \d+ kB; an image sent from the browser may have at most 700 kB/,
    );
    const empty = join(data, 'empty.png');
    writeFileSync(empty, '');
    await refused({ path: empty }, /empty\.png: file is empty/);
    await refused({ path: join(data, 'missing.png') }, /missing\.png: no such file/);
  } finally {
    workspace.close();
    home.cleanup();
    rmSync(data, { recursive: true, force: true });
  }
});
