import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { decodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { labelsOf, sampleIndices } from '../../src-main/core/data/sample-dataset.js';
import { getModel } from '../../src-main/core/store/models.js';
import { validationsOfModel } from '../../src-main/core/store/validations.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { pgdPerturb } from '../../src-main/core/validate/pgd.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { beatClassifier, ortOutput } from './onnx-helpers.js';

const argMaxAccuracy = (logits: Float32Array, labels: Int32Array): number =>
  labels.filter((label, i) => {
    const row = Array.from(logits.subarray(i * 5, i * 5 + 5));
    return row.indexOf(Math.max(...row)) === label;
  }).length / labels.length;

test('the transfer suite attacks a runtime-only ONNX model with examples crafted on a surrogate, and stores the result', async () => {
  const home = tempHome('attest-runtime-only-transfer');
  const h = ['--home', home.dir];
  try {
    const importModel = async (activation: 'Erf' | 'Relu', bytes: Uint8Array): Promise<string> => {
      const file = join(home.dir, `${activation}.onnx`);
      writeFileSync(file, bytes);
      const imported = await runCli([
        'models',
        'import',
        file,
        '--name',
        activation,
        '--classes',
        'N,S,V,F,Q',
        '--preset',
        'kachuee2018',
        ...h,
        '--json',
      ]);
      assert.equal(imported.code, 0, imported.stderr);
      return imported.json['modelId'] as string;
    };
    const target = beatClassifier('Erf');
    const runtimeOnlyId = await importModel('Erf', target);
    const surrogateId = await importModel('Relu', beatClassifier('Relu'));
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
      '60',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(dataset.code, 0, dataset.stderr);
    const datasetId = dataset.json['datasetId'] as string;
    const validate = (extra: string[]) =>
      runCli([
        'validate',
        '--model',
        runtimeOnlyId,
        '--dataset',
        datasetId,
        '--epsilons',
        '0.1',
        '--pgd-steps',
        '3',
        ...extra,
        ...h,
        '--json',
      ]);

    // Without a parent or a surrogate the suite has nothing to craft on: it says how to give one.
    const alone = await validate(['--suite', 'clean,transfer']);
    assert.equal(alone.code, 0, alone.stderr);
    const failed = alone.json['failedSuites'] as { suite: string; reason: string }[];
    assert.equal(failed[0]?.suite, 'transfer');
    assert.match(
      failed[0]?.reason ?? '',
      /is a baseline without parent: name a surrogate with --surrogate MODEL/,
    );
    // The result says which runtime computed the forward-only suites: ONNX Runtime, the only one it has.
    assert.equal((alone.json['forwardRuntime'] as { runtime: string }).runtime, 'onnxruntime');

    // A converted model's clean suite on ONNX Runtime (exported on the fly) and on TF.js: the same figures.
    const clean = async (runtime: string) => {
      const r = await runCli([
        'validate',
        '--model',
        surrogateId,
        '--dataset',
        datasetId,
        '--suite',
        'clean',
        '--forward-runtime',
        runtime,
        ...h,
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.json;
    };
    const onOrt = await clean('onnxruntime');
    const onTfjs = await clean('tfjs');
    assert.equal((onOrt['forwardRuntime'] as { runtime: string }).runtime, 'onnxruntime');
    assert.equal((onTfjs['forwardRuntime'] as { runtime: string }).runtime, 'tfjs');
    const cleanOf = (r: Record<string, unknown>) => r['clean'] as { accuracy: number; roc: unknown };
    assert.equal(cleanOf(onOrt).accuracy, cleanOf(onTfjs).accuracy);
    assert.ok(
      (onOrt['forwardRuntime'] as { probe: { maxAbsDifference: number } }).probe.maxAbsDifference < 1e-4,
    );
    // The model itself as its surrogate is refused before anything runs; so is a surrogate without the suite.
    const before = validationsOfModelCount(home.dir, runtimeOnlyId);
    const itself = await validate(['--suite', 'transfer', '--surrogate', runtimeOnlyId]);
    assert.equal(itself.code, 2, itself.stdout);
    assert.match(itself.stderr, /is the model under test/);
    const unused = await validate(['--suite', 'clean', '--surrogate', surrogateId]);
    assert.equal(unused.code, 2, unused.stdout);
    assert.match(unused.stderr, /add transfer to --suite/);
    assert.equal(validationsOfModelCount(home.dir, runtimeOnlyId), before);

    const run = await validate(['--suite', 'transfer', '--surrogate', surrogateId]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.json['suitesNotRun'], undefined);
    assert.equal(run.json['failedSuites'], undefined);

    // The stored result: crafted on the surrogate, no white-box comparison (no gradients), and the accuracy
    // is that of ONNX Runtime on PGD examples made on the surrogate, recomputed here.
    await initEngine();
    const workspace = Workspace.open(home.dir);
    try {
      const stored = validationsOfModel(workspace.db, runtimeOnlyId).at(-1);
      assert.equal(stored?.id, run.json['validationId']);
      assert.deepEqual(stored?.suites, ['transfer']);
      const transfer = stored?.result['transfer'] as {
        sourceModelId: string;
        sourceRole: string;
        whiteBox: unknown;
        whiteBoxNotRun: string;
        gradientMaskingSuspected: boolean;
        transfer: { points: { epsilon: number; accuracy: number }[] };
      };
      assert.equal(transfer.sourceModelId, surrogateId);
      assert.equal(transfer.sourceRole, 'surrogate');
      assert.equal(transfer.whiteBox, null);
      assert.match(transfer.whiteBoxNotRun, /operator Erf could not be converted.*PGD on its own gradients/);
      assert.equal(transfer.gradientMaskingSuspected, false);
      assert.deepEqual(
        transfer.transfer.points.map((p) => p.epsilon),
        [0.1],
      );

      const data = loadDataset(workspace, datasetId);
      const indices = sampleIndices(data, 'test');
      const labels = labelsOf(data, indices);
      const row = getModel(workspace.db, surrogateId);
      const { model: surrogate } = await decodeModelArtifact(
        workspace.artifacts.get(row.artifactSha256),
        'surrogate',
      );
      const clean = data.inputs(indices);
      let crafted: Float32Array;
      try {
        crafted = pgdPerturb({
          model: surrogate,
          inputs: clean,
          sampleShape: [187, 1],
          labels,
          classes: 5,
          epsilon: 0.1,
          settings: { steps: 3 },
          seed: 1,
        });
      } finally {
        surrogate.dispose();
      }
      // [n, 187, 1] and the file's [n, 1, 187] hold one channel: the same values in the same order.
      const logits = await ortOutput(target, Float64Array.from(crafted), [labels.length, 1, 187]);
      const expected = argMaxAccuracy(logits, labels);
      const measured = transfer.transfer.points[0]?.accuracy ?? -1;
      assert.ok(
        Math.abs(measured - expected) <= 1 / labels.length,
        `stored ${measured}, recomputed ${expected}`,
      );
      // The attack did something: the crafted examples are not the clean inputs.
      assert.ok(crafted.some((v, i) => Math.abs(v - (clean[i] ?? v)) > 0.05));
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});

function validationsOfModelCount(home: string, modelId: string): number {
  const workspace = Workspace.open(home);
  try {
    return validationsOfModel(workspace.db, modelId).length;
  } finally {
    workspace.close();
  }
}
