import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';

import { OnnxGraphBuilder } from '../../src-main/core/models/onnx/onnx-builder.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture, maxAbsDifference, readNpy } from '../import/model-files.js';
import { ortOutput, seededValues } from './onnx-helpers.js';

/**
 * A beat classifier [batch, 1, 187] -> Conv -> Erf -> global average pool -> Gemm -> 5 logits, as a PyTorch
 * model with a GELU exports it: Erf is an operator Attest does not convert to TF.js.
 */
function erfBeatClassifier(): Uint8Array {
  const b = new OnnxGraphBuilder(13).input('x', ['batch', 1, 187]).output('y', ['batch', 5]);
  const w = b.floats('w', Array.from(seededValues(4 * 5, 71)), [4, 1, 5]);
  const conv = b.node('Conv', ['x', w], { pads: { ints: [2, 2] } });
  const pooled = b.node('GlobalAveragePool', [b.node('Erf', [conv])]);
  const flat = b.node('Flatten', [pooled], { axis: { i: 1 } });
  const fc = b.floats(
    'fc',
    Array.from(seededValues(4 * 5, 72)).map((v) => v * 4),
    [4, 5],
  );
  const bias = b.floats('bias', [0.5, -0.2, 0.1, -0.3, 0], [5]);
  b.node('Gemm', [flat, fc, bias], {}, ['y']);
  return b.encode();
}

test('an ONNX graph that cannot be converted is kept runtime-only, predicts as ONNX Runtime does, and validates with the forward-only suites', async () => {
  const home = tempHome('attest-runtime-only');
  const h = ['--home', home.dir];
  try {
    const bytes = erfBeatClassifier();
    const file = join(home.dir, 'gelu-vendor.onnx');
    writeFileSync(file, bytes);
    const imported = await runCli([
      'models',
      'import',
      file,
      '--name',
      'vendor gelu',
      '--classes',
      'N,S,V,F,Q',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.json['format'], 'onnx-runtime-only');
    assert.equal(imported.json['output'], 'logits');
    const runtimeOnly = imported.json['runtimeOnly'] as { operator: string; forwardOnly: string };
    assert.equal(runtimeOnly.operator, 'Erf');
    assert.match(runtimeOnly.forwardOnly, /forward passes/);
    const modelId = imported.json['modelId'] as string;

    // Predictions are ONNX Runtime's, softmax applied to its logits.
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
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const input = readNpy(fixture('reference-input.npy'));
    const n = input.shape[0] as number;
    const logits = await ortOutput(bytes, input.data, [n, 1, 187]);
    const expected = Array.from({ length: n }, (_, i) => {
      const row = Array.from(logits.subarray(i * 5, i * 5 + 5));
      const top = Math.max(...row);
      const e = row.map((v) => Math.exp(v - top));
      const sum = e.reduce((a, v) => a + v, 0);
      return e.map((v) => v / sum);
    }).flat();
    assert.ok(maxAbsDifference(readNpy(out).data, expected) < 1e-6);

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
      '120',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(dataset.code, 0, dataset.stderr);
    const datasetId = dataset.json['datasetId'] as string;
    const policy = join(home.dir, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({ minRobustAccuracy: [{ suite: 'fgsm', epsilon: 0.05, minAccuracy: 0.1 }] }),
    );
    const validated = await runCli([
      'validate',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--suite',
      'clean,calibration,fgsm,square,membership',
      '--epsilons',
      '0.05',
      '--square-queries',
      '5',
      '--policy',
      policy,
      ...h,
      '--json',
    ]);
    // The verdict fails (the FGSM gate cannot be measured) and says why; the forward-only suites ran.
    assert.equal(validated.code, 3, validated.stderr);
    const result = validated.json;
    assert.ok(result['clean'] !== undefined && result['calibration'] !== undefined);
    const square = result['square'] as { sweeps: { points: { epsilon: number }[] }[] };
    assert.equal(
      square.sweeps[0]?.points.some((p) => p.epsilon === 0.05),
      true,
    );
    assert.equal(result['fgsm'], undefined);
    const notRun = result['suitesNotRun'] as { suite: string; reason: string }[];
    assert.deepEqual(
      notRun.map((s) => s.suite),
      ['fgsm', 'membership'],
    );
    assert.match(notRun[0]?.reason ?? '', /operator Erf could not be converted.*gradient/);
    assert.match(notRun[1]?.reason ?? '', /training data is not recorded/);
    const findings = result['findings'] as { code: string; message: string }[];
    assert.equal(findings.filter((f) => f.code === 'suite-not-run').length, 2);
    const gate = (result['policy'] as { gates: { gate: string; status: string; detail: string }[] }).gates[0];
    assert.equal(gate?.status, 'fail');
    assert.match(gate?.detail ?? '', /not measured: the fgsm suite could not run/);

    // Nothing at all can run: refused, nothing stored.
    const validations = (): number => {
      const db = new Database(join(home.dir, 'attest.sqlite'), { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM validations').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    assert.equal(validations(), 1);
    const refused = await runCli([
      'validate',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--suite',
      'fgsm,pgd',
      ...h,
      '--json',
    ]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /none of the suites asked can run on model/);
    assert.equal(validations(), 1);

    const card = join(home.dir, 'card.md');
    const carded = await runCli(['models', 'card', '--model', modelId, '--out', card, ...h]);
    assert.equal(carded.code, 0, carded.stderr);
    assert.match(readFileSync(card, 'utf8'), /not converted to TF\.js \(operator Erf/);
    // Compression changes weights the model does not have in Attest: refused, saying why.
    const compressed = await runCli([
      'compress',
      '--model',
      modelId,
      '--recipe',
      'quant:float16',
      ...h,
      '--json',
    ]);
    assert.equal(compressed.code, 2, compressed.stdout);
    assert.match(compressed.stderr, /compression is not possible: .* runs in ONNX Runtime only/);
    assert.equal(((await runCli(['models', 'list', ...h, '--json'])).json['models'] as unknown[]).length, 1);

    // An operator neither converted nor known to ONNX Runtime: refused with both reasons, nothing stored.
    const unknown = new OnnxGraphBuilder(13).input('x', ['batch', 1, 187]).output('y', ['batch', 1, 187]);
    unknown.node('VendorGelu', ['x'], {}, ['y']);
    const unknownFile = join(home.dir, 'vendor-op.onnx');
    writeFileSync(unknownFile, unknown.encode());
    const models = (await runCli(['models', 'list', ...h, '--json'])).stdout;
    const refusedImport = await runCli(['models', 'import', unknownFile, '--name', 'x', ...h, '--json']);
    assert.equal(refusedImport.code, 2, refusedImport.stdout);
    assert.match(
      refusedImport.stderr,
      /vendor-op\.onnx: operator VendorGelu .*cannot be converted to TF\.js.*; and ONNX Runtime cannot run it either: ONNX Runtime cannot load it/,
    );
    assert.equal((await runCli(['models', 'list', ...h, '--json'])).stdout, models);

    const verify = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(verify.code, 0, verify.stdout);
  } finally {
    home.cleanup();
  }
});
