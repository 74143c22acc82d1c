import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempHome } from '../helpers/temp-home.js';
import { startRedis } from '../helpers/redis-server.js';
import { collectEvents, fakeRenderer } from '../app/serve-helpers.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { getJob } from '../../src-main/core/store/jobs.js';
import { getQueuedJob } from '../../src-main/core/store/queued-jobs.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { listJobViews, startJob, startWorker, type WorkerProcess } from './queue-helpers.js';

function inStore<T>(home: string, read: (workspace: Workspace) => T): T {
  const workspace = Workspace.open(home);
  try {
    return read(workspace);
  } finally {
    workspace.close();
  }
}

test('a queued training whose worker is killed after a checkpoint resumes from it on another worker', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const home = tempHome('attest-queue-train');
  t.after(() => home.cleanup());
  const datasetId = inStore(
    home.dir,
    (workspace) =>
      importWfdbDataset(
        workspace,
        {
          inputs: ['100', '119', '208'].map((r) => resourcePath('mitdb', r)),
          name: 'queued-training',
          split: parseSplitSpec('records:1:0.34'),
          durationSeconds: 60,
        },
        quietContext(),
      ).datasetId,
  );
  const running = await startServer({
    home: home.dir,
    rendererDir: fakeRenderer(home.dir),
    queue: redis.url,
  });
  t.after(() => running.close());
  // One thread per worker: the test shares its machine.
  const env = { ATTEST_TRAIN_WORKERS: '0' };
  const lock = ['--lock-seconds', '8'];
  const first = await startWorker(home.dir, redis.url, lock, env);
  t.after(() => first.stop());
  const job = await startJob(running, { kind: 'train', datasetId, arch: 'ecg-resnet', epochs: 3, seed: 4 });

  // Killed once its training row has the checkpoint of epoch 1.
  const checkpointed = () =>
    inStore(
      home.dir,
      (w) =>
        w.db
          .prepare(
            "SELECT jobs.id FROM checkpoints JOIN jobs ON jobs.id = checkpoints.job_id WHERE jobs.pid = ? AND jobs.kind = 'train'",
          )
          .get(first.pid) as { id: string } | undefined,
    );
  let stopped = checkpointed();
  while (stopped === undefined) {
    const state = inStore(home.dir, (w) => getQueuedJob(w.db, job.id)?.status);
    assert.ok(state === 'queued' || state === 'running', `the job ended before the kill: ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopped = checkpointed();
  }
  first.child.kill('SIGKILL');
  await first.stop();

  const started: WorkerProcess[] = [];
  const events = await collectEvents(
    running,
    (seen) =>
      seen.some(
        (e) =>
          e.type === 'job' && e.job.id === job.id && e.job.state !== 'running' && e.job.state !== 'queued',
      ),
    async () => {
      started.push(await startWorker(home.dir, redis.url, lock, env));
    },
    600_000,
  );
  const second = started[0];
  assert.ok(second !== undefined);
  t.after(() => second.stop());
  // The resumed epochs reach the desk as live-curve points under the queued job's id, each once, in order (the
  // restored epoch too when the desk had not sent it before the kill).
  const epochs = events.flatMap((e) => (e.type === 'job.epoch' && e.jobId === job.id ? [e.epoch] : []));
  assert.ok(epochs.includes(3), `epochs streamed: ${epochs.join(',')}`);
  assert.ok(
    epochs.every((epoch, i) => i === 0 || epoch > (epochs[i - 1] ?? 0)),
    `epochs streamed: ${epochs.join(',')}`,
  );
  const jobs = await listJobViews(running);
  const ended = jobs.find((j) => j.id === job.id);
  assert.equal(ended?.state, 'succeeded', JSON.stringify(ended));
  const result = ended?.result as { jobId: string; history: { epoch: number }[] };
  assert.match(second.log(), new RegExp(`resuming job ${stopped.id} after epoch \\d of 3`));
  inStore(home.dir, (workspace) => {
    assert.equal(getJob(workspace.db, result.jobId)?.params['resumedFrom'], stopped.id);
    assert.equal(getJob(workspace.db, stopped.id)?.status, 'interrupted');
    assert.equal(getQueuedJob(workspace.db, job.id)?.pid, second.pid);
  });
  assert.ok(result.history.length >= 1);
  const { summary } = await second.stop();
  assert.deepEqual(summary.jobs, { succeeded: 1 });
});
