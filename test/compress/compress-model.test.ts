import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { tf } from '../../src-main/core/engine/tf.js';
import { compressModel, type CompressResult } from '../../src-main/core/pipelines/compress/compress-model.js';
import { measureStoredModel } from '../../src-main/core/pipelines/compress/measure-stored.js';
import { decodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { prunableWeights } from '../../src-main/core/compress/prune-magnitude.js';
import { getModel, insertModel, listModels } from '../../src-main/core/store/models.js';
import { getMeasurement, listMeasurements } from '../../src-main/core/store/model-measurements.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { AttestError } from '../../src-main/core/errors.js';
import { trainedWorkspace } from './pipeline-fixture.js';
import type { Command } from '../../src-main/cli/command.js';
import { Options, parseArgs } from '../../src-main/cli/args.js';
import { createOutput, type Output } from '../../src-main/cli/output.js';
import { modelsListCommand } from '../../src-main/cli/commands/lists.js';
import { modelsMeasureCommand } from '../../src-main/cli/commands/measure.js';
import { exportModelCommand } from '../../src-main/cli/commands/export-model.js';

let fixture: Awaited<ReturnType<typeof trainedWorkspace>>;
before(async () => {
  fixture = await trainedWorkspace(150);
});
after(() => fixture.cleanup());

const compress = (recipe: string, fineTuneEpochs = 1): Promise<CompressResult> =>
  compressModel(
    fixture.workspace,
    { modelId: fixture.modelId, recipe, fineTuneEpochs, latencyRuns: 3 },
    quietContext(),
  );

test('prune:0.8,quant:int8: exact sparsity on disk, simulated int8 score, measured beside the parent, audited', async () => {
  const baseline = tf.memory().numTensors;
  const result = await compress('prune:0.8,quant:int8');
  assert.equal(tf.memory().numTensors, baseline, 'compression leaks no tensor');
  const { workspace } = fixture;
  const row = getModel(workspace.db, result.modelId);
  const { model, header } = await decodeModelArtifact(workspace.artifacts.get(row.artifactSha256));
  for (const kernel of prunableWeights(model)) {
    const values = kernel.read().dataSync();
    const zeros = values.filter((v) => v === 0).length;
    assert.ok(
      zeros >= Math.round(0.8 * values.length),
      `${kernel.originalName}: ${zeros}/${values.length} zeros`,
    );
  }
  model.dispose();
  assert.ok(header.weightSpecs.some((s) => s.dtype === 'int8'));
  const activation = header.meta['activationQuantization'] as { ranges: Record<string, unknown> };
  assert.ok(Object.keys(activation.ranges).length > 10, 'calibrated activation ranges travel with the model');
  // Measurements: stored for parent and child on this backend, the same figures as the result's.
  const { parent, child, ratios } = result.measurement;
  assert.deepEqual(getMeasurement(workspace.db, result.modelId, 'wasm')?.gzipBytes, child.gzipBytes);
  assert.deepEqual(getMeasurement(workspace.db, fixture.modelId, 'wasm')?.flops, parent.flops);
  assert.equal(child.sizeBytes, row.sizeBytes);
  assert.equal(child.nonzeroParams, row.nonzeroParams);
  // int8 (4x) and sparse storage of the 80%-pruned kernels: physically smaller, not only once gzipped.
  assert.ok(child.sizeBytes < parent.sizeBytes / 5, `${child.sizeBytes} vs ${parent.sizeBytes}`);
  assert.ok(header.weightSpecs.filter((s) => s.shape.length >= 2).every((s) => s.sparse !== undefined));
  assert.ok(child.gzipBytes <= child.sizeBytes);
  assert.equal(child.flops, parent.flops, 'unstructured sparsity does not change dense FLOPs');
  assert.ok(child.sparseFlops < 0.3 * parent.sparseFlops);
  assert.equal(ratios['smallerOnDisk'], parent.sizeBytes / child.sizeBytes);
  // Every stage scored on the parent's held-out record; the last is the int8 model by simulated int8.
  const stages = result.heldOut?.stages.map((s) => s.stage);
  assert.deepEqual(stages, ['parent', 'fine-tuned', 'int8 (simulated int8 inference)']);
  assert.equal(result.heldOut?.records.length, 1);
  assert.ok(
    result.sensitivity !== undefined && result.sensitivity.layers.length === 14,
    'ecg-resnet has 14 kernels',
  );
  assert.ok(result.sensitivity.advice.length >= 1);
  assert.equal(result.fineTune?.prune?.schedule, 'poly');
  const events = listAuditEvents(workspace.db, { entityId: result.modelId });
  assert.deepEqual(
    events.map((e) => e.action),
    ['model.compress'],
  );
  assert.deepEqual((events[0]?.payload.result as { measurement: unknown }).measurement, child);
  assert.equal(verifyAuditTrail(workspace).ok, true);
});

test('structural recipes: whole filters to half the FLOPs, low-rank without fine-tuning, a distilled student', async () => {
  const filters = await compress('filters:0.5', 0);
  assert.ok(filters.measurement.child.flops <= 0.5 * filters.measurement.parent.flops);
  assert.ok(filters.measurement.child.params < 0.6 * filters.measurement.parent.params);
  assert.deepEqual(
    filters.heldOut?.stages.map((s) => s.stage),
    ['parent', 'filters (no fine-tuning)'],
  );
  assert.equal(filters.fineTune?.epochs, 0);

  const lowrank = await compress('lowrank:0.8:p=1.5');
  assert.deepEqual(
    lowrank.heldOut?.stages.map((s) => s.stage),
    ['parent', 'lowrank (no fine-tuning)'],
  );
  assert.equal(lowrank.fineTune, undefined, 'low-rank alone is not fine-tuned');
  const report = lowrank.structural[0];
  assert.ok(report?.kind === 'lowrank' && report.p === 1.5);
  assert.ok(report.layers.some((l) => l.rank !== undefined && (l.relativeError as number) > 0));
  assert.ok(lowrank.measurement.child.params < lowrank.measurement.parent.params);

  const student = await compress('student:0.5,distill:T=3:features=5');
  // A named teacher: the filter-pruned model teaches a thinner student; its artifact is an audited input.
  const taught = await compress(`student:0.25,distill:teacher=${filters.modelId}`);
  const event = listAuditEvents(fixture.workspace.db, { entityId: taught.modelId })[0];
  assert.deepEqual(
    event?.payload.inputs?.map((i) => i.role),
    ['parent-model', 'teacher-model'],
  );
  await assert.rejects(compress('distill:teacher=m-nothere'), /no model with id m-nothere/);
  assert.ok(student.measurement.child.params < 0.4 * student.measurement.parent.params);
  assert.ok((student.fineTune?.distillation?.featureLayers.length ?? 0) >= 5);
  assert.equal(student.fineTune?.learningRate, 1e-3, 'a student from scratch gets a livelier rate');
});

test('joint prune + distill + adversarial, QAT, float16; measure on demand; bad recipes store nothing', async () => {
  const joint = await compress('prune:0.5:scope=global,distill,adv:0.02:steps=2');
  assert.deepEqual(joint.fineTune?.adversarial, { epsilon: 0.02, steps: 2, robustDistillation: true });
  assert.equal(joint.fineTune?.prune?.scope, 'global');
  assert.ok(Math.abs(joint.sparsity - 0.5) < 0.05, `${joint.sparsity}`);

  const qat = await compress('qat:int8');
  assert.equal(qat.weightEncoding, 'int8');
  assert.equal(qat.fineTune?.qat, true);
  assert.equal(qat.heldOut?.stages.at(-1)?.stage, 'int8 (simulated int8 inference)');

  const half = await compress('quant:float16');
  assert.equal(half.weightEncoding, 'float16');
  assert.ok(Math.abs(half.measurement.ratios['smallerOnDisk'] as number) > 1.8);

  const measured = await measureStoredModel(fixture.workspace, half.modelId, { runs: 2 });
  assert.equal(measured.sizeBytes, half.sizeBytes);
  assert.equal(listMeasurements(fixture.workspace.db, half.modelId).length, 1, 'replaced, not duplicated');

  const count = listModels(fixture.workspace.db).length;
  for (const recipe of ['prune:1.5', 'lowrank:0', 'filters:0.001', 'quant:int8,prune:0.5']) {
    await assert.rejects(
      compress(recipe),
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT',
      recipe,
    );
  }
  // Cancelled during fine-tuning: the job says so and no model is stored.
  const controller = new AbortController();
  const cancelling = compressModel(
    fixture.workspace,
    { modelId: fixture.modelId, recipe: 'prune:0.5', fineTuneEpochs: 3 },
    {
      ...quietContext(),
      signal: controller.signal,
      progress: (_fraction, message) => {
        if (message.startsWith('fine-tuning')) controller.abort();
      },
    },
  );
  await assert.rejects(cancelling, (e: unknown) => e instanceof AttestError && e.code === 'CANCELLED');
  assert.equal(listModels(fixture.workspace.db).length, count, 'nothing half-stored');
});

test('a model without its dataset: storage formats, low-rank and pruning without fine-tuning only', async () => {
  const { workspace } = fixture;
  const parent = getModel(workspace.db, fixture.modelId);
  const orphanId = `${parent.id}-orphan`;
  workspace.db.transaction(() =>
    insertModel(workspace.db, { ...parent, id: orphanId, datasetId: null, summary: {} }),
  )();
  const run = (recipe: string, fineTuneEpochs = 0): Promise<CompressResult> =>
    compressModel(workspace, { modelId: orphanId, recipe, fineTuneEpochs, latencyRuns: 2 }, quietContext());
  const int8 = await run('prune:0.5,quant:int8');
  assert.equal(int8.heldOut, undefined, 'nothing to score on');
  assert.equal(int8.sensitivity, undefined);
  assert.ok(Math.abs(int8.sparsity - 0.5) < 0.05);
  await assert.rejects(run('distill'), /has no training dataset/);
  await assert.rejects(run('prune:0.5', 1), /has no training dataset/);
});

/** Runs a CLI command object in process, against the fixture's workspace, and returns its JSON result. */
async function runCommand(command: Command, argv: string[]): Promise<Record<string, unknown>> {
  const options = new Options(parseArgs(argv, new Set(command.booleanFlags ?? [])));
  let written = '';
  const out: Output = { ...createOutput(true), result: (value) => (written = JSON.stringify(value)) };
  await command.run({
    options,
    out,
    signal: new AbortController().signal,
    workspace: () => fixture.workspace,
    home: fixture.workspace.home,
  });
  return JSON.parse(written) as Record<string, unknown>;
}

test('the CLI commands: models list shows the measurements, models measure and export-model', async () => {
  const list = await runCommand(modelsListCommand, []);
  const models = list['models'] as { id: string; measurements: { backend: string; flops: number }[] }[];
  const parent = models.find((m) => m.id === fixture.modelId);
  assert.equal(parent?.measurements[0]?.backend, 'wasm', 'measured when its children were derived');
  assert.ok(models.filter((m) => m.measurements.length > 0).length >= 8);
  const measured = await runCommand(modelsMeasureCommand, ['--model', fixture.modelId, '--runs', '2']);
  assert.equal(measured['modelId'], fixture.modelId);
  assert.equal(measured['runs'], 2);
  const dir = join(fixture.workspace.home, 'exported');
  const exported = await runCommand(exportModelCommand, ['--model', fixture.modelId, '--out', dir]);
  assert.deepEqual(
    (exported['files'] as { name: string }[]).map((f) => f.name),
    ['model.json', 'group1-shard1of1.bin'],
  );
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    userDefinedMetadata: { attest: { modelId: string } };
  };
  assert.equal(json.userDefinedMetadata.attest.modelId, fixture.modelId);
  await assert.rejects(
    runCommand(exportModelCommand, ['--model', fixture.modelId, '--out', dir]),
    /not an empty folder/,
  );
  await assert.rejects(
    runCommand(exportModelCommand, ['--model', fixture.modelId, '--out', `${dir}2`, '--weights', 'int4']),
    /--weights must be one of/,
  );
  // One zip (what the app's export button downloads): the same two files at its root, the same bytes.
  const zipPath = join(fixture.workspace.home, 'exported.zip');
  const zipped = await runCommand(exportModelCommand, ['--model', fixture.modelId, '--out', zipPath]);
  const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
  assert.deepEqual(Object.keys(entries).sort(), ['group1-shard1of1.bin', 'model.json']);
  assert.deepEqual(
    entries['group1-shard1of1.bin'],
    new Uint8Array(readFileSync(join(dir, 'group1-shard1of1.bin'))),
  );
  assert.equal((zipped['zip'] as { bytes: number }).bytes, readFileSync(zipPath).byteLength);
  assert.deepEqual(
    readdirSync(fixture.workspace.home).filter((f) => f.includes('.partial')),
    [],
    'no partial file left beside the zip',
  );
});
