import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture, maxAbsDifference, readNpy } from './model-files.js';

const ONNX = fixture('ecg-resnet-pytorch.onnx');

test('a PyTorch model exported to ONNX imports, predicts what PyTorch computed, and validates on beats of its format', async () => {
  const home = tempHome('attest-import-onnx');
  const h = ['--home', home.dir];
  try {
    const imported = await runCli([
      'models',
      'import',
      ONNX,
      '--name',
      'vendor resnet',
      '--classes',
      'N,S,V,F,Q',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.json['framework'], 'onnx');
    assert.match(String(imported.json['frameworkVersion']), /^opset 13, made by pytorch/);
    // The file reads [batch, 1, 187]; Attest feeds [n, 187, 1] and records the file's layout.
    assert.deepEqual(imported.json['input'], {
      shape: [187, 1],
      layout: 'channels-first',
      preset: 'kachuee2018',
      valueRange: [0, 1],
    });
    assert.equal(imported.json['output'], 'probabilities');
    assert.equal(imported.json['softmaxAppended'], false);
    assert.equal(imported.json['sha256'], createHash('sha256').update(readFileSync(ONNX)).digest('hex'));
    const modelId = imported.json['modelId'] as string;

    const out = join(home.dir, 'p.npy');
    const predicted = await runCli([
      'predict',
      '--model',
      modelId,
      '--input',
      fixture('reference-input.npy'),
      '--out',
      out,
      ...h,
      '--json',
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const ours = readNpy(out);
    const reference = readNpy(fixture('ecg-resnet-pytorch.reference-output.npy'));
    assert.deepEqual(ours.shape, [64, 5]);
    assert.ok(maxAbsDifference(ours.data, reference.data) < 1e-4);

    // Beats cut the way the model was trained (kachuee2018) validate; the card names the conversion check.
    const dataset = await runCli([
      'import',
      'wfdb',
      join(REPO_ROOT, 'resources', 'mitdb', '119'),
      join(REPO_ROOT, 'resources', 'mitdb', '208'),
      '--name',
      'kachuee beats',
      '--split',
      'test:119',
      '--duration',
      '300',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(dataset.code, 0, dataset.stderr);
    const validated = await runCli([
      'validate',
      '--model',
      modelId,
      '--dataset',
      dataset.json['datasetId'] as string,
      '--split',
      'test',
      '--suite',
      'clean',
      ...h,
      '--json',
    ]);
    assert.equal(validated.code, 0, validated.stderr);
    const card = join(home.dir, 'card.md');
    const carded = await runCli(['models', 'card', '--model', modelId, '--out', card, ...h]);
    assert.equal(carded.code, 0, carded.stderr);
    assert.match(
      readFileSync(card, 'utf8'),
      /\| Conversion check \| converted to TF\.js; largest difference from ONNX Runtime \(cpu\)/,
    );
    const verify = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(verify.code, 0, verify.stdout);
  } finally {
    home.cleanup();
  }
});
