import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { explainSample } from '../../src-main/core/explain/explain-sample.js';

/*
 * The error browser's list, checked against the per-sample CSV of `attest predict` (its own path to the same
 * answers): the same wrong samples, the same counts by true and predicted class, sorted by the confidence of
 * the wrong answer, filtered by class, and a class that does not exist refused by name.
 */

interface ErrorRow {
  index: number;
  group: string;
  label: string;
  predicted: string;
  confidence: number;
  trueProbability: number;
}

test('attest errors lists the wrong answers of the predict CSV, most confident first, filtered by class', async () => {
  const home = tempHome('errors');
  const h = ['--home', home.dir];
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      ...['100', '119', '208'].map((r) => resourcePath('mitdb', r)),
      '--name',
      'errors',
      '--split',
      'records:1:0.34',
      '--duration',
      '90',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const datasetId = imported.json['datasetId'] as string;
    const trained = await runCli(
      ['train', '--dataset', datasetId, '--epochs', '1', '--seed', '5', '--no-lr-test', ...h, '--json'],
      {
        env: { ATTEST_TRAIN_WORKERS: '0' },
      },
    );
    assert.equal(trained.code, 0, trained.stderr);
    const modelId = trained.json['modelId'] as string;

    const csvPath = join(home.dir, 'answers.csv');
    const predicted = await runCli([
      'predict',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--out',
      csvPath,
      ...h,
      '--json',
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\n');
    const columns = (header ?? '').split(',');
    const wrongInCsv = lines
      .map((line) => line.split(','))
      .filter((cells) => cells[2] !== cells[3])
      .map((cells) => ({
        index: Number(cells[0]),
        label: cells[2] as string,
        predicted: cells[3] as string,
        confidence: Number(cells[columns.indexOf(`p_${cells[3]}`)]),
      }));
    assert.ok(wrongInCsv.length > 0, 'a one-epoch model on these records makes mistakes to list');

    const listed = await runCli([
      'errors',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--limit',
      '10000',
      ...h,
      '--json',
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    const errors = listed.json['errors'] as ErrorRow[];
    assert.equal(listed.json['samples'], lines.length);
    assert.equal(listed.json['wrong'], wrongInCsv.length);
    assert.deepEqual(
      errors.map((e) => e.index).sort((a, b) => a - b),
      wrongInCsv.map((e) => e.index).sort((a, b) => a - b),
    );
    for (const e of errors) {
      const row = wrongInCsv.find((w) => w.index === e.index);
      assert.equal(e.label, row?.label);
      assert.equal(e.predicted, row?.predicted);
      assert.ok(Math.abs(e.confidence - (row?.confidence ?? Number.NaN)) < 1e-6, `sample ${e.index}`);
      assert.ok(e.trueProbability <= e.confidence);
    }
    for (let k = 1; k < errors.length; k++)
      assert.ok((errors[k - 1]?.confidence ?? 0) >= (errors[k]?.confidence ?? 0), 'not sorted by confidence');
    const counts = listed.json['counts'] as Record<string, Record<string, number>>;
    for (const [label, row] of Object.entries(counts))
      for (const [guess, n] of Object.entries(row))
        assert.equal(n, wrongInCsv.filter((w) => w.label === label && w.predicted === guess).length);

    // Filtered by the most frequent true class of the mistakes, and limited.
    const label = (errors[0] as ErrorRow).label;
    const filtered = await runCli([
      'errors',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--true',
      label,
      '--limit',
      '3',
      ...h,
      '--json',
    ]);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.equal(filtered.json['matching'], wrongInCsv.filter((w) => w.label === label).length);
    const few = filtered.json['errors'] as ErrorRow[];
    assert.ok(few.length <= 3 && few.every((e) => e.label === label));
    assert.deepEqual(
      few.map((e) => e.index),
      errors
        .filter((e) => e.label === label)
        .slice(0, 3)
        .map((e) => e.index),
    );

    // "Try it" on the most confident mistake: the same answer and probability, and an attribution whose sum
    // matches the change of that probability from the zero baseline (Integrated Gradients' completeness).
    await initEngine();
    const workspace = Workspace.open(home.dir);
    try {
      const top = errors[0] as ErrorRow;
      const explained = await explainSample(workspace, { modelId, datasetId, index: top.index });
      assert.equal(explained.predicted, top.predicted);
      assert.equal(explained.label, top.label);
      const p = explained.probabilities.find((x) => x.label === top.predicted)?.probability ?? Number.NaN;
      assert.ok(Math.abs(p - top.confidence) < 1e-5, `${p} vs ${top.confidence}`);
      assert.equal(explained.attribution?.length, explained.values.length);
      assert.ok(
        (explained.completenessError ?? 1) < 0.05,
        `completeness error ${explained.completenessError}`,
      );
      await assert.rejects(
        explainSample(workspace, { modelId, datasetId, index: 10_000_000 }),
        /has samples 0 to \d+, not 10000000/,
      );
      // Picked as a reviewer names it, "beat N of record R": N counted here in the predict CSV (a record is
      // wholly on one side of the split, so its test rows are all of its beats, in the dataset's order).
      assert.equal(columns[1], 'record');
      const position = lines
        .map((line) => line.split(','))
        .filter((cells) => cells[1] === top.group && Number(cells[0]) <= top.index).length;
      const picked = await explainSample(workspace, { modelId, datasetId, group: top.group, position });
      assert.equal(picked.index, top.index);
      assert.deepEqual(picked.probabilities, explained.probabilities);
      await assert.rejects(
        explainSample(workspace, { modelId, datasetId, group: 'nope', position: 1 }),
        /has no record or group named "nope"/,
      );
      await assert.rejects(
        explainSample(workspace, { modelId, datasetId, group: top.group, position: 1_000_000 }),
        new RegExp(
          `^AttestError: ${top.group} has \\d+ samples in dataset ${datasetId}, so there is no sample 1000000`,
        ),
      );
    } finally {
      workspace.close();
    }

    const unknown = await runCli([
      'errors',
      '--model',
      modelId,
      '--dataset',
      datasetId,
      '--true',
      'Z',
      ...h,
      '--json',
    ]);
    assert.equal(unknown.code, 2);
    assert.match((unknown.json['error'] as { message: string }).message, /"Z" is not a class of dataset/);
  } finally {
    home.cleanup();
  }
});
