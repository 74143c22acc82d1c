import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent, JobView, Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { formatLoss } from '../../src-main/core/util/loss-format.js';
import { tempHome } from '../helpers/temp-home.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

test('a training job sends live points within the epoch, and the progress line shows the same loss', async () => {
  const home = tempHome('engine-live-points');
  const workspace = Workspace.open(home.dir);
  const events: EngineEvent[] = [];
  const engine = new Dispatcher(workspace, (e) => events.push(e));
  try {
    const { datasetId } = importSyntheticEcgDataset(
      workspace,
      { name: 'live', records: 4, seconds: 30, seed: 4, split: parseSplitSpec('records:1:0.25') },
      quietContext(),
    );
    const job = value<{ job: JobView }>(
      await engine.dispatch('jobs.start', {
        kind: 'train',
        datasetId,
        arch: 'ecg-resnet',
        epochs: 1,
        seed: 1,
        batchSize: 8,
      }),
    ).job;
    await engine.queue.idle();
    assert.equal(engine.queue.list().find((j) => j.id === job.id)?.state, 'succeeded');
    const live = events.flatMap((e) => (e.type === 'job.batch' && e.jobId === job.id ? [e] : []));
    // The first batch is always sent (later ones at most twice a second), within epoch 1.
    assert.ok(live.length >= 1, 'at least one live point');
    for (const point of live) {
      assert.equal(point.epoch, 1);
      assert.ok(point.fraction > 0 && point.fraction <= 1);
      assert.ok(Number.isFinite(point.loss) && point.loss > 0);
    }
    // The progress line of that first batch carries the same loss with the same rounding.
    const first = live[0];
    assert.ok(first !== undefined);
    const messages = events.flatMap((e) => (e.type === 'job' && e.job.id === job.id ? [e.job.message] : []));
    const progressLosses = messages.flatMap((m) => /^epoch 1\/1 loss (\d+\.\d{4})$/.exec(m)?.[1] ?? []);
    assert.ok(progressLosses.length >= 1, `a progress line with the loss among ${messages.join(' | ')}`);
    // The first batch sends both (neither is held back yet): one value, one rounding.
    assert.equal(progressLosses[0], formatLoss(first.loss));
    const epoch = events.find((e) => e.type === 'job.epoch' && e.jobId === job.id);
    assert.ok(epoch?.type === 'job.epoch' && epoch.loss !== null, 'the epoch point follows');
    // Sent by the fit loop as it stores the checkpoint: the same figures as the stored ones.
    const stored = workspace.db
      .prepare(
        'SELECT epoch, metrics_json FROM checkpoints WHERE job_id = (SELECT id FROM jobs WHERE kind = ?)',
      )
      .all('train') as { epoch: number; metrics_json: string }[];
    assert.deepEqual(
      stored.map((c) => ({ epoch: c.epoch, ...(JSON.parse(c.metrics_json) as object) })),
      [{ epoch: epoch.epoch, loss: epoch.loss, accuracy: epoch.accuracy, macroF1: epoch.macroF1 }],
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
