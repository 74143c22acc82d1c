import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture, maxAbsDifference, readNpy, softmaxRows } from './model-files.js';

const REFERENCE_INPUT = fixture('reference-input.npy');

/** Imports a model with the CLI and returns its JSON result (the import must succeed). */
async function importModel(
  home: string,
  path: string,
  extra: string[] = [],
): Promise<Record<string, unknown>> {
  const run = await runCli([
    'models',
    'import',
    path,
    '--name',
    'imported',
    ...extra,
    '--home',
    home,
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  return run.json;
}

/** Runs `attest predict` on the reference input and returns the probabilities it wrote. */
async function predictReference(
  home: string,
  modelId: string,
): Promise<{ shape: number[]; data: Float64Array }> {
  const out = join(home, `${modelId}.npy`);
  const run = await runCli([
    'predict',
    '--model',
    modelId,
    '--input',
    REFERENCE_INPUT,
    '--out',
    out,
    '--home',
    home,
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.json['out'], out);
  return readNpy(out);
}

test('a Keras 2.8 Sequential .h5 made elsewhere predicts what Keras computed, within 1e-4', async () => {
  const home = tempHome('attest-import-keras2');
  try {
    const imported = await importModel(home.dir, fixture('ptb-cnn-keras2.h5'), [
      '--classes',
      'normal,abnormal',
      '--preset',
      'kachuee2018',
    ]);
    assert.equal(imported['framework'], 'keras');
    assert.equal(imported['frameworkVersion'], '2.8.0');
    assert.deepEqual(imported['input'], {
      shape: [187, 1],
      layout: 'channels-last',
      preset: 'kachuee2018',
      valueRange: [0, 1],
    });
    assert.deepEqual(imported['classes'], ['normal', 'abnormal']);
    assert.equal(imported['output'], 'probabilities');
    const fileHash = (await import('node:crypto'))
      .createHash('sha256')
      .update(readFileSync(fixture('ptb-cnn-keras2.h5')))
      .digest('hex');
    assert.equal(imported['sha256'], fileHash);

    const predicted = await predictReference(home.dir, imported['modelId'] as string);
    const reference = readNpy(fixture('ptb-cnn-keras2.reference-output.npy'));
    assert.deepEqual(predicted.shape, [64, 2]);
    assert.ok(maxAbsDifference(predicted.data, reference.data) < 1e-4);

    // The import is in the audit trail with the source file's digest, and the chain verifies.
    const log = await runCli(['audit', 'log', '--home', home.dir, '--json']);
    const events = log.json['events'] as {
      action: string;
      entityId: string;
      payload: { sources?: { sha256: string }[] };
    }[];
    const event = events.find((e) => e.action === 'model.import');
    assert.equal(event?.entityId, imported['modelId']);
    assert.equal(event?.payload.sources?.[0]?.sha256, fileHash);
    const verify = await runCli(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(verify.code, 0, verify.stdout);

    // The model card and the report say where the model came from and what it expects.
    const card = join(home.dir, 'card.md');
    const carded = await runCli([
      'models',
      'card',
      '--model',
      imported['modelId'] as string,
      '--out',
      card,
      '--home',
      home.dir,
    ]);
    assert.equal(carded.code, 0, carded.stderr);
    const cardText = readFileSync(card, 'utf8');
    assert.match(cardText, /## Origin: made outside Attest/);
    assert.ok(cardText.includes(`| Source SHA-256 | ${fileHash} |`));
    assert.match(cardText, /\| Made with \| keras 2\.8\.0 \(keras2-hdf5\), outside Attest \|/);
    assert.match(cardText, /\| Preprocessing preset \| kachuee2018: /);
    assert.match(cardText, /\| Classes, in output order \| normal, abnormal \|/);
    const report = join(home.dir, 'report.html');
    const reported = await runCli([
      'report',
      '--model',
      imported['modelId'] as string,
      '--out',
      report,
      '--home',
      home.dir,
    ]);
    assert.equal(reported.code, 0, reported.stderr);
    const html = readFileSync(report, 'utf8');
    assert.ok(html.includes('Origin: a model made outside Attest'));
    assert.ok(html.includes(fileHash));
  } finally {
    home.cleanup();
  }
});

test('a Functional Keras 2 model and its Keras 3 .keras twin output logits: softmax appended, outputs match NumPy', async () => {
  const home = tempHome('attest-import-functional');
  try {
    const logits = readNpy(fixture('functional-keras2.reference-output.npy'));
    const expected = softmaxRows(logits.data, 5);
    for (const [file, version, format] of [
      ['functional-keras2.h5', '2.8.0', 'keras2-hdf5'],
      ['functional-keras3.keras', '3.3.3', 'keras3-archive'],
    ] as const) {
      const imported = await importModel(home.dir, fixture(file), ['--classes', 'N,S,V,F,Q']);
      assert.equal(imported['frameworkVersion'], version);
      assert.equal(imported['format'], format);
      assert.equal(imported['output'], 'logits');
      assert.equal(imported['softmaxAppended'], true);
      const predicted = await predictReference(home.dir, imported['modelId'] as string);
      assert.deepEqual(predicted.shape, [64, 5]);
      assert.ok(maxAbsDifference(predicted.data, expected) < 1e-4, file);
    }
  } finally {
    home.cleanup();
  }
});

test('a channels-first model gets a transpose in front and reads Attest beats [n, 187, 1]', async () => {
  const home = tempHome('attest-import-channels-first');
  try {
    const project = await runCli(['projects', 'add', 'vendor models', '--home', home.dir, '--json']);
    assert.equal(project.code, 0, project.stderr);
    const imported = await importModel(home.dir, fixture('channels-first-keras2.h5'), [
      '--layout',
      'channels-first',
      '--project',
      'vendor models',
    ]);
    assert.equal((imported['project'] as { name: string }).name, 'vendor models');
    assert.deepEqual((imported['input'] as { shape: number[] }).shape, [187, 1]);
    const predicted = await predictReference(home.dir, imported['modelId'] as string);
    const reference = readNpy(fixture('channels-first-keras2.reference-output.npy'));
    assert.ok(maxAbsDifference(predicted.data, reference.data) < 1e-4);
  } finally {
    home.cleanup();
  }
});

test('a TF.js model written by export-model (folder and zip) imports back with its contract and the same outputs', async () => {
  const home = tempHome('attest-import-tfjs');
  try {
    const source = await importModel(home.dir, fixture('functional-keras2.h5'), [
      '--classes',
      'N,S,V,F,Q',
      '--preset',
      'standardize-per-beat',
    ]);
    const sourceId = source['modelId'] as string;
    const before = await predictReference(home.dir, sourceId);
    for (const target of [join(home.dir, 'exported'), join(home.dir, 'exported.zip')]) {
      const exported = await runCli([
        'export-model',
        '--model',
        sourceId,
        '--out',
        target,
        '--home',
        home.dir,
        '--json',
      ]);
      assert.equal(exported.code, 0, exported.stderr);
      const again = await importModel(home.dir, target);
      assert.equal(again['framework'], 'tfjs-layers');
      assert.equal(again['format'], target.endsWith('.zip') ? 'tfjs-layers-zip' : 'tfjs-layers-folder');
      // The classes and the preset travel inside model.json; the softmax is already part of the model.
      assert.deepEqual(again['classes'], ['N', 'S', 'V', 'F', 'Q']);
      assert.equal((again['input'] as { preset: string }).preset, 'standardize-per-beat');
      assert.equal(again['output'], 'probabilities');
      const after = await predictReference(home.dir, again['modelId'] as string);
      assert.ok(maxAbsDifference(after.data, before.data) < 1e-6);
    }
    // A folder whose shard is missing is refused by name.
    const broken = join(home.dir, 'broken');
    mkdirSync(broken);
    copyFileSync(join(home.dir, 'exported', 'model.json'), join(broken, 'model.json'));
    const run = await runCli(['models', 'import', broken, '--name', 'x', '--home', home.dir]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /broken: weight shard group1-shard1of1\.bin named in model\.json is missing/);
    writeFileSync(join(broken, 'model.json'), '{"format": "graph-model", "weightsManifest": []}');
    const graph = await runCli(['models', 'import', broken, '--name', 'x', '--home', home.dir]);
    assert.equal(graph.code, 2);
    assert.match(graph.stderr, /no modelTopology/);
  } finally {
    home.cleanup();
  }
});
