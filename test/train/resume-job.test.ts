import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel, type TrainResult } from '../../src-main/core/pipelines/train/train-model.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { getJob, listJobs } from '../../src-main/core/store/jobs.js';
import { AttestError } from '../../src-main/core/errors.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { jobSpecSchema } from '../../src-main/contract/jobs.js';
import { runJobSpec } from '../../src-main/server/dispatch/job-runners.js';
import { tempHome } from '../helpers/temp-home.js';

test('the Jobs page resume: a cancelled training resumes through the engine from its last checkpoint; others are refused', async () => {
  const home = tempHome('resume-job');
  const workspace = Workspace.open(home.dir);
  const previous = process.env['ATTEST_TRAIN_WORKERS'];
  process.env['ATTEST_TRAIN_WORKERS'] = '0';
  try {
    await initEngine();
    const dataset = importWfdbDataset(
      workspace,
      {
        inputs: ['100', '119', '208'].map((r) => resourcePath('mitdb', r)),
        name: 'resume',
        split: parseSplitSpec('records:1:0.34'),
        durationSeconds: 60,
      },
      { signal: new AbortController().signal, progress: () => undefined, log: () => undefined },
    );
    // Cancelled once the first epoch's checkpoint is written.
    const abort = new AbortController();
    await assert.rejects(
      trainModel(
        workspace,
        { datasetId: dataset.datasetId, arch: 'ecg-resnet', epochs: 2, seed: 4 },
        {
          signal: abort.signal,
          progress: () => undefined,
          log: (line) => {
            if (/^epoch 1: loss/.test(line)) abort.abort();
          },
        },
      ),
      (error: unknown) => error instanceof AttestError && error.code === 'CANCELLED',
    );
    const cancelled = listJobs(workspace.db).find((j) => j.kind === 'train');
    assert.equal(cancelled?.status, 'cancelled');
    const spec = jobSpecSchema.parse({ kind: 'train-resume', jobId: cancelled.id });
    const logs: string[] = [];
    const result = (await runJobSpec(workspace, spec, {
      signal: new AbortController().signal,
      progress: () => undefined,
      log: (line) => logs.push(line),
    })) as TrainResult;
    assert.match(logs[0] ?? '', new RegExp(`resuming job ${cancelled.id} after epoch 1 of 2`));
    assert.equal(result.epochsRun, 2);
    assert.deepEqual(
      result.history.map((e) => e.epoch),
      [1, 2],
    );
    assert.equal(getJob(workspace.db, result.jobId)?.params['resumedFrom'], cancelled.id);
    const event = workspace.db
      .prepare("SELECT payload_json FROM audit_events WHERE action = 'model.train'")
      .get() as { payload_json: string };
    assert.equal(
      (JSON.parse(event.payload_json) as { params: { resumedFrom: string } }).params.resumedFrom,
      cancelled.id,
    );
    for (const [jobId, message] of [
      [result.jobId, /finished; its model is stored/],
      [cancelled.id, /already resumed as job/],
      ['job-none', /no job with id job-none/],
    ] as const)
      await assert.rejects(
        runJobSpec(
          workspace,
          { kind: 'train-resume', jobId },
          {
            signal: new AbortController().signal,
            progress: () => undefined,
            log: () => undefined,
          },
        ),
        message,
      );
  } finally {
    if (previous === undefined) delete process.env['ATTEST_TRAIN_WORKERS'];
    else process.env['ATTEST_TRAIN_WORKERS'] = previous;
    workspace.close();
    home.cleanup();
  }
});
