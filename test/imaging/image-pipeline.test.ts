import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuiltCli } from './run-built-cli.js';
import { DICOM_FIXTURES } from './paths.js';

const env = { ATTEST_BACKEND: 'wasm', ATTEST_TRAIN_WORKERS: '0' };

test('CLI: generate, import dicom, train small-cnn, compress, validate clean and FGSM on images', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-image-cli-'));
  const home = join(dir, 'home');
  try {
    const generated = await runBuiltCli([
      'generate',
      'mammograms',
      '--out',
      join(dir, 'mg'),
      '--patients',
      '8',
      '--per-patient',
      '4',
      '--size',
      '32',
      '--json',
    ]);
    assert.equal(generated.code, 0, generated.stderr);
    assert.equal(generated.json['images'], 32);
    const imported = await runBuiltCli(
      ['--home', home, 'import', 'dicom', join(dir, 'mg'), '--name', 'mg', '--size', '16', '--json'],
      env,
    );
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.json['groupKind'], 'patient');
    assert.ok(
      !imported.stdout.includes('SYN0') && !imported.stderr.includes('SYN0'),
      'a patient id reached the output',
    );
    const datasetId = imported.json['datasetId'] as string;
    // The patients behind the pseudonyms, only on this explicit request.
    const revealed = await runBuiltCli(['--home', home, 'datasets', 'identifiers', datasetId, '--json']);
    assert.equal(revealed.code, 0, revealed.stderr);
    const identifiers = revealed.json['identifiers'] as Record<string, string>;
    assert.equal(Object.keys(identifiers).length, 8);
    assert.match(identifiers['patient-001'] as string, /^SYN000\d$/);
    const trained = await runBuiltCli(
      [
        '--home',
        home,
        'train',
        '--dataset',
        datasetId,
        '--arch',
        'small-cnn',
        '--epochs',
        '1',
        '--seed',
        '1',
        '--no-lr-test',
        '--json',
      ],
      env,
    );
    assert.equal(trained.code, 0, trained.stderr);
    const modelId = trained.json['modelId'] as string;
    // Convolutions 71,792 parameters (1 input channel) + dense 64 x 3 + 3.
    assert.equal(trained.json['params'], 71987);
    const compressed = await runBuiltCli(
      ['--home', home, 'compress', '--model', modelId, '--recipe', 'prune:0.5,quant:int8', '--json'],
      env,
    );
    assert.equal(compressed.code, 0, compressed.stderr);
    assert.ok((compressed.json['sizeBytes'] as number) < (compressed.json['parentSizeBytes'] as number));
    const validated = await runBuiltCli(
      [
        '--home',
        home,
        'validate',
        '--model',
        compressed.json['modelId'] as string,
        '--dataset',
        datasetId,
        '--split',
        'test',
        '--suite',
        'clean,fgsm',
        '--json',
      ],
      env,
    );
    assert.equal(validated.code, 0, validated.stderr);
    const clean = validated.json['clean'] as { n: number; accuracy: number };
    assert.equal(clean.n, (imported.json['splits'] as Record<string, { total: number }>)['test']!.total);
    assert.ok(clean.accuracy >= 0 && clean.accuracy <= 1);
    const noise = await runBuiltCli(
      ['--home', home, 'validate', '--model', modelId, '--dataset', datasetId, '--suite', 'noise', '--json'],
      env,
    );
    assert.equal(noise.code, 2, 'the ECG noise suite must refuse an image dataset');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: mobilenet-student trains on VOC crops split by flight', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-voc-cli-'));
  const home = join(dir, 'home');
  try {
    const generated = await runBuiltCli([
      'generate',
      'insulators',
      '--out',
      join(dir, 'ins'),
      '--flights',
      '3',
      '--per-flight',
      '4',
      '--size',
      '64x96',
      '--json',
    ]);
    assert.equal(generated.code, 0, generated.stderr);
    const imported = await runBuiltCli(
      [
        '--home',
        home,
        'import',
        'voc',
        join(dir, 'ins'),
        '--group-by',
        'folder',
        '--name',
        'ins',
        '--size',
        '32',
        '--json',
      ],
      env,
    );
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.json['groupKind'], 'flight');
    const trained = await runBuiltCli(
      [
        '--home',
        home,
        'train',
        '--dataset',
        imported.json['datasetId'] as string,
        '--arch',
        'mobilenet-student',
        '--epochs',
        '1',
        '--seed',
        '2',
        '--no-lr-test',
        '--json',
      ],
      env,
    );
    assert.equal(trained.code, 0, trained.stderr);
    assert.ok((trained.json['params'] as number) > 10_000 && (trained.json['params'] as number) < 80_000);
    const wrong = await runBuiltCli(
      [
        '--home',
        home,
        'train',
        '--dataset',
        imported.json['datasetId'] as string,
        '--arch',
        'ecg-resnet',
        '--epochs',
        '1',
        '--seed',
        '2',
        '--json',
      ],
      env,
    );
    assert.equal(wrong.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: inspect FILE.dcm --json prints one object, identifiers only with --show-identifiers; bad files exit 2', async () => {
  const file = join(DICOM_FIXTURES, 'MR_small.dcm');
  const plain = await runBuiltCli(['inspect', file, '--json']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.json['rows'], 64);
  assert.equal((plain.json['transferSyntax'] as { uid: string }).uid, '1.2.840.10008.1.2.1');
  assert.deepEqual(plain.json['window'], { center: 600, width: 1600, function: 'LINEAR' });
  const shown = await runBuiltCli(['inspect', file, '--show-identifiers', '--json']);
  const id = (shown.json['identifiers'] as Record<string, string>)['patientId'] as string;
  assert.ok(id.length > 0);
  assert.ok(!plain.stdout.includes(id) && !plain.stderr.includes(id));
  const missing = await runBuiltCli(['inspect', join(DICOM_FIXTURES, 'absent.dcm'), '--json']);
  assert.equal(missing.code, 2);
  assert.match(String((missing.json['error'] as { message: string }).message), /absent\.dcm: no such file/);
});
