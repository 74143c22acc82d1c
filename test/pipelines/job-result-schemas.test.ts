import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listJobs } from '../../src-main/core/store/jobs.js';
import { JOB_RESULT_SCHEMAS, jobResultOf } from '../../src-main/contract/job-results.js';

const MITDB = join(REPO_ROOT, 'resources', 'mitdb');
// One thread: the run does not depend on how many cores the machine has free.
const env = { ATTEST_TRAIN_WORKERS: '0' };

test('the results of a real import, training and compression fit their kinds’ schemas strictly', async () => {
  const home = tempHome('job-result-schemas');
  const h = ['--home', home.dir];
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      join(MITDB, '100'),
      join(MITDB, '119'),
      join(MITDB, '208'),
      '--name',
      'three records',
      '--split',
      'records:1:0.34',
      '--duration',
      '30',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const importResult = JOB_RESULT_SCHEMAS['import-wfdb'].parse(imported.json);
    assert.equal(importResult.records, 3);

    const trained = await runCli(
      ['train', '--dataset', importResult.datasetId, '--epochs', '1', '--no-lr-test', ...h, '--json'],
      { env },
    );
    assert.equal(trained.code, 0, trained.stderr);
    const compressed = await runCli(
      ['compress', '--model', trained.json['modelId'] as string, '--recipe', 'quant:int8', ...h, '--json'],
      { env },
    );
    assert.equal(compressed.code, 0, compressed.stderr);
    const validated = await runCli(
      [
        'validate',
        '--model',
        trained.json['modelId'] as string,
        '--dataset',
        importResult.datasetId,
        '--suite',
        'clean',
        ...h,
        '--json',
      ],
      { env },
    );
    assert.equal(validated.code, 0, validated.stderr);

    const workspace = Workspace.open(home.dir);
    try {
      // What the jobs table stored, as the UI receives it: strict schemas refuse any field they do not describe.
      const stored = listJobs(workspace.db);
      const trainJob = stored.find((j) => j.kind === 'train' && j.status === 'succeeded');
      assert.ok(trainJob !== undefined, 'the training job is stored');
      const train = JOB_RESULT_SCHEMAS.train.parse(trainJob.result);
      assert.equal(train.modelId, trained.json['modelId']);
      assert.equal(train.history.length, 1);
      assert.equal(train.lrRangeTest, undefined);

      const compressJob = stored.find((j) => j.kind === 'compress' && j.status === 'succeeded');
      assert.ok(compressJob !== undefined, 'the compression job is stored');
      const compress = JOB_RESULT_SCHEMAS.compress.parse(compressJob.result);
      assert.equal(compress.parentId, train.modelId);
      assert.equal(compress.weightEncoding, 'int8');

      const validateJob = stored.find((j) => j.kind === 'validate' && j.status === 'succeeded');
      assert.ok(validateJob !== undefined, 'the validation job is stored');
      const validate = JOB_RESULT_SCHEMAS.validate.parse(validateJob.result);
      assert.ok(validate.metricRows > 0, 'metric rows were written');
      // The validation suite's part is read by the suite's own strict schema.
      assert.ok(validate.clean !== undefined, 'the clean suite is in the result');
      assert.ok(validate.clean.n > 0);

      // The UI's reader: the right kind parses, another kind's result or a result missing a field is absent.
      assert.equal(jobResultOf('train', { kind: 'train', result: trainJob.result })?.modelId, train.modelId);
      assert.equal(jobResultOf('train', { kind: 'compress', result: compressJob.result }), undefined);
      assert.equal(jobResultOf('compress', { kind: 'compress', result: trainJob.result }), undefined);
      const { history: _history, ...withoutHistory } = train;
      assert.equal(jobResultOf('train', { kind: 'train', result: withoutHistory }), undefined);
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});

test('a report export names its file through the exported-file schema, and a result without a name names none', async () => {
  const { exportedFileName } = await import('../../src-main/contract/job-results.js');
  assert.equal(
    exportedFileName({ result: { name: 'report-m-1.html', sha256: 'ab', bytes: 10 } }),
    'report-m-1.html',
  );
  assert.equal(exportedFileName({ result: { modelId: 'm-1' } }), undefined);
  assert.equal(exportedFileName({ result: { name: 7 } }), undefined);
  assert.equal(exportedFileName({}), undefined);
});
