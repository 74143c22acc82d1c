import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { encodePng } from '../../src-main/core/data/images/write-synthetic.js';
import { gatherImages, loadImageDataset } from '../../src-main/core/data/images/image-dataset.js';
import { SPLIT_CODES } from '../../src-main/core/data/sample-dataset.js';
import { transposeData } from '../../src-main/core/models/onnx/onnx-tensors.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture, maxAbsDifference } from './model-files.js';
import { fixtureBytes, ortOutput, seededValues } from '../onnx/onnx-helpers.js';

const CLASSES = ['a', 'b', 'c', 'd', 'e', 'f'];

/** Class folders of seeded RGB images of the given size. */
async function writeImages(root: string, size: number): Promise<void> {
  for (const [c, name] of CLASSES.entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let k = 0; k < 4; k++) {
      const data = Float32Array.from(seededValues(size * size * 3, 100 + c * 10 + k), (v) => (v + 1) / 2);
      const png = await encodePng({ width: size, height: size, channels: 3, data, bitDepth: 8 });
      writeFileSync(join(root, name, `${k}.png`), png);
    }
  }
}

function softmaxRows(values: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += k) {
    const row = Array.from(values.subarray(i, i + k));
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((a, v) => a + v, 0);
    out.push(...e.map((v) => v / sum));
  }
  return out;
}

test('an imported image model takes its size and channels from its input and its normalization from --normalize; datasets are fed under it or refused naming both sides', async () => {
  const home = tempHome('attest-image-contract');
  const h = ['--home', home.dir];
  try {
    // torch-cnn2d-opset11.onnx reads [batch, 3, 16, 16] and gives 6 logits.
    const imported = await runCli([
      'models',
      'import',
      fixture('torch-cnn2d-opset11.onnx'),
      '--name',
      'vendor imagenet cnn',
      '--classes',
      CLASSES.join(','),
      '--normalize',
      'imagenet',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const input = imported.json['input'] as { shape: number[]; image: { height: number; channels: number } };
    assert.deepEqual(input.shape, [16, 16, 3]);
    assert.equal(input.image.height, 16);
    assert.equal(input.image.channels, 3);
    const modelId = imported.json['modelId'] as string;

    // A dataset at the model's size, imported with its own (dataset) normalization.
    await writeImages(join(home.dir, 'right'), 16);
    const right = await runCli([
      'import',
      'images',
      join(home.dir, 'right'),
      '--name',
      'right size',
      '--size',
      '16',
      '--channels',
      '3',
      '--normalize',
      'dataset',
      '--split',
      'files:1:0.5',
      ...h,
      '--json',
    ]);
    assert.equal(right.code, 0, right.stderr);
    const datasetId = right.json['datasetId'] as string;
    const csv = join(home.dir, 'predictions.csv');
    const predicted = await runCli([
      'predict',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--split',
      'test',
      '--out',
      csv,
      ...h,
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const rows = readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const probabilities = rows.flatMap((r) => r.slice(-6).map(Number));

    // The expected: ONNX Runtime on the stored pixels under ImageNet's mean and std, channels first.
    const workspace = Workspace.open(home.dir);
    let expected: number[];
    try {
      const images = loadImageDataset(workspace, datasetId);
      const test = Array.from(images.split.keys()).filter((i) => images.split[i] === SPLIT_CODES.test);
      assert.equal(test.length, rows.length);
      const pixels = gatherImages(images, test);
      const mean = [0.485, 0.456, 0.406];
      const std = [0.229, 0.224, 0.225];
      const normalized = Float64Array.from(
        pixels,
        (v, i) => (v - (mean[i % 3] as number)) / (std[i % 3] as number),
      );
      const nchw = transposeData(normalized, [test.length, 16, 16, 3], [0, 3, 1, 2]);
      const logits = await ortOutput(fixtureBytes('torch-cnn2d-opset11.onnx'), nchw, [
        test.length,
        3,
        16,
        16,
      ]);
      expected = softmaxRows(logits, 6);
    } finally {
      workspace.close();
    }
    assert.ok(
      maxAbsDifference(probabilities, expected) < 1e-4,
      String(maxAbsDifference(probabilities, expected)),
    );

    const validated = await runCli([
      'validate',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--suite',
      'clean',
      ...h,
      '--json',
    ]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.match(String(validated.json['inputNote']), /normalized as the model expects \(imagenet/);
    const findings = validated.json['findings'] as { code: string; message: string }[];
    assert.match(
      findings.find((f) => f.code === 'input-normalized-for-model')?.message ?? '',
      /^Input: the dataset's stored pixels/,
    );

    // Another size: refused with both sides and the remedy, nothing run.
    await writeImages(join(home.dir, 'wrong'), 20);
    const wrong = await runCli([
      'import',
      'images',
      join(home.dir, 'wrong'),
      '--name',
      'wrong size',
      '--size',
      '20',
      '--channels',
      '3',
      '--split',
      'files:1:0.5',
      ...h,
      '--json',
    ]);
    assert.equal(wrong.code, 0, wrong.stderr);
    const refused = await runCli([
      'validate',
      '--model',
      modelId,
      '--dataset',
      wrong.json['datasetId'] as string,
      '--suite',
      'clean',
      ...h,
      '--json',
    ]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(
      refused.stderr,
      /input contract mismatch: model .* reads 16x16 images with 3 channels; dataset .* holds 20x20 images with 3 channels: import the images again with --size 16x16 --channels 3/,
    );

    // --normalize on a model that does not read images is refused by name.
    const beat = await runCli([
      'models',
      'import',
      fixture('ecg-resnet-pytorch.onnx'),
      '--name',
      'x',
      '--normalize',
      'imagenet',
      ...h,
      '--json',
    ]);
    assert.equal(beat.code, 2, beat.stdout);
    assert.match(
      beat.stderr,
      /ecg-resnet-pytorch\.onnx: --normalize is for image models .* this model reads 187x1/,
    );
  } finally {
    home.cleanup();
  }
});
