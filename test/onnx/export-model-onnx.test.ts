import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { insertModel } from '../../src-main/core/store/models.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';
import { QDQ_TOLERANCE } from '../../src-main/core/models/onnx/check-export.js';
import { maxAbsDifference, ortOutput, seededValues, tfOutput } from './onnx-helpers.js';

/** A temporary home with an untrained ecg-resnet stored twice: as float32 and as an int8 child. */
async function homeWithModels(dir: string) {
  await initEngine();
  const model = ARCHITECTURES['ecg-resnet']?.build({ sampleShape: [187, 1], classes: 5, seed: 3 });
  assert.ok(model !== undefined);
  const workspace = Workspace.open(dir);
  try {
    for (const [id, weights] of [
      ['mdl-float', 'float32'],
      ['mdl-int8', 'int8'],
    ] as const) {
      const stored = workspace.artifacts.put(await encodeModelArtifact(model, { weights }));
      insertModel(workspace.db, {
        id,
        name: id,
        arch: 'ecg-resnet',
        datasetId: null,
        parentId: weights === 'int8' ? 'mdl-float' : null,
        recipe: weights === 'int8' ? 'quant:int8' : null,
        artifactSha256: stored.sha256,
        sizeBytes: stored.size,
        params: model.countParams(),
        nonzeroParams: model.countParams(),
        backend: 'cpu',
        seed: 3,
        config: {},
        summary: {},
        createdAt: new Date().toISOString(),
      });
    }
  } finally {
    workspace.close();
  }
  return model;
}

test('export-model --format onnx writes a checked ONNX file; an int8 child is dequantized, or keeps its int8 kernels with --int8 qdq', async () => {
  const home = tempHome('onnx-export');
  try {
    const model = await homeWithModels(home.dir);
    const file = join(home.dir, 'ecg.onnx');
    const run = await runCli([
      '--home',
      home.dir,
      'export-model',
      '--model',
      'mdl-float',
      '--format',
      'onnx',
      '--out',
      file,
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json['format'], 'onnx');
    assert.equal(run.json['path'], file);
    assert.deepEqual(run.json['dequantized'], []);
    assert.equal(run.json['qdqKernels'], 0);
    assert.ok((run.json['maxAbsDifference'] as number) < 1e-4);
    assert.deepEqual(run.json['inputShape'], [187, 1]);
    // The written file, run here in ONNX Runtime, gives the model's predictions.
    const data = seededValues(4 * 187, 50);
    const ort = await ortOutput(new Uint8Array(readFileSync(file)), data, [4, 187, 1]);
    assert.ok(maxAbsDifference(ort, tfOutput(model, data, [4, 187, 1], [0, 1, 2])) < 1e-4);

    const child = await runCli([
      '--home',
      home.dir,
      'export-model',
      '--model',
      'mdl-int8',
      '--format',
      'onnx',
      '--out',
      join(home.dir, 'int8.onnx'),
    ]);
    assert.equal(child.code, 0, child.stderr);
    assert.match(child.stdout, /int8 weights dequantized to float32/);
    // With --int8 qdq, ecg-resnet's 11 convolutions and 3 dense layers keep their int8 kernels: a smaller file.
    const qdq = await runCli([
      '--home',
      home.dir,
      'export-model',
      '--model',
      'mdl-int8',
      '--format',
      'onnx',
      '--int8',
      'qdq',
      '--out',
      join(home.dir, 'qdq.onnx'),
      '--json',
    ]);
    assert.equal(qdq.code, 0, qdq.stderr);
    assert.equal(qdq.json['qdqKernels'], 14);
    assert.deepEqual(qdq.json['dequantized'], []);
    assert.ok((qdq.json['maxAbsDifference'] as number) <= QDQ_TOLERANCE);
    assert.ok(
      (qdq.json['bytes'] as number) < 0.35 * (run.json['bytes'] as number),
      `${String(qdq.json['bytes'])} bytes`,
    );
    model.dispose();
  } finally {
    home.cleanup();
  }
});

test('export-model --format onnx refuses a bad format or --int8, a folder target, --weights and an existing file, writing nothing', async () => {
  const home = tempHome('onnx-export-bad');
  try {
    (await homeWithModels(home.dir)).dispose();
    const before = readdirSync(home.dir).sort();
    const cases: [string[], RegExp][] = [
      [['--format', 'pt', '--out', join(home.dir, 'a.pt')], /--format must be one of tfjs, onnx/],
      [
        ['--format', 'onnx', '--int8', 'int4', '--out', join(home.dir, 'd.onnx')],
        /--int8 must be dequantize or qdq/,
      ],
      [['--int8', 'qdq', '--out', join(home.dir, 'tfjs')], /--int8 applies to --format onnx/],
      [['--format', 'onnx', '--out', join(home.dir, 'folder')], /give --out FILE\.onnx/],
      [
        ['--format', 'onnx', '--weights', 'float16', '--out', join(home.dir, 'b.onnx')],
        /--weights applies to --format tfjs/,
      ],
      [['--format', 'onnx', '--out', join(home.dir, 'artifacts')], /FILE\.onnx/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli([
        '--home',
        home.dir,
        'export-model',
        '--model',
        'mdl-float',
        ...args,
        '--json',
      ]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.deepEqual(readdirSync(home.dir).sort(), before, 'nothing written');
    const first = join(home.dir, 'c.onnx');
    assert.equal(
      (
        await runCli([
          '--home',
          home.dir,
          'export-model',
          '--model',
          'mdl-float',
          '--format',
          'onnx',
          '--out',
          first,
        ])
      ).code,
      0,
    );
    const again = await runCli([
      '--home',
      home.dir,
      'export-model',
      '--model',
      'mdl-float',
      '--format',
      'onnx',
      '--out',
      first,
    ]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists already/);
    assert.ok(existsSync(first));
  } finally {
    home.cleanup();
  }
});
