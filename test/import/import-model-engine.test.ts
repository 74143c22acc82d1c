import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobView, Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture } from './model-files.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

async function settled(engine: Dispatcher, job: JobView): Promise<JobView> {
  await engine.queue.idle();
  const done = engine.queue.list().find((j) => j.id === job.id);
  assert.ok(done !== undefined);
  return done;
}

test(
  'the UI imports a model through the contract and the job queue, as the CLI does',
  { timeout: 120_000 },
  async () => {
    const home = tempHome('engine-import-model');
    const workspace = Workspace.open(home.dir);
    const engine = new Dispatcher(workspace, () => undefined);
    try {
      // The contract refuses a preset it does not know before any job starts.
      const refused = await engine.dispatch('jobs.start', {
        kind: 'import-model',
        path: fixture('ptb-cnn-keras2.h5'),
        name: 'ptb',
        preset: 'made-up',
      });
      assert.equal(refused.ok, false);

      const started = value<{ job: JobView }>(
        await engine.dispatch('jobs.start', {
          kind: 'import-model',
          path: fixture('ptb-cnn-keras2.h5'),
          name: 'ptb from the UI',
          classes: ['normal', 'abnormal'],
          preset: 'kachuee2018',
          layout: 'channels-last',
        }),
      ).job;
      const done = await settled(engine, started);
      assert.equal(done.state, 'succeeded', done.error?.message);
      const result = done.result as { modelId: string; framework: string; classes: string[] };
      assert.equal(result.framework, 'keras');
      assert.deepEqual(result.classes, ['normal', 'abnormal']);
      const models = value<{ models: { id: string; name: string }[] }>(
        await engine.dispatch('models.list', {}),
      );
      assert.deepEqual(
        models.models.map((m) => [m.id, m.name]),
        [[result.modelId, 'ptb from the UI']],
      );

      // A bad file fails the job with the file and the problem named, and stores nothing.
      const bad = await settled(
        engine,
        value<{ job: JobView }>(
          await engine.dispatch('jobs.start', {
            kind: 'import-model',
            path: fixture('weights-only-keras2.h5'),
            name: 'weights only',
          }),
        ).job,
      );
      assert.equal(bad.state, 'failed');
      assert.match(bad.error?.message ?? '', /weights-only-keras2\.h5: the file holds weights only/);
      const after = value<{ models: unknown[] }>(await engine.dispatch('models.list', {}));
      assert.equal(after.models.length, 1);

      // A beat dataset imported from the UI with a preset; validation then checks the model's contract.
      const run = async (spec: Record<string, unknown>): Promise<JobView> =>
        settled(engine, value<{ job: JobView }>(await engine.dispatch('jobs.start', spec)).job);
      const imported = await run({
        kind: 'import-wfdb',
        name: 'kachuee beats',
        source: { kind: 'sample', records: ['119'] },
        split: 'all-test',
        durationSeconds: 120,
        preset: 'kachuee2018',
      });
      assert.equal(imported.state, 'succeeded', imported.error?.message);
      const datasetId = (imported.result as { datasetId: string }).datasetId;
      assert.equal(loadDataset(workspace, datasetId).modelMeta['preprocessing'], 'kachuee2018');
      const mismatch = await run({
        kind: 'validate',
        modelId: result.modelId,
        datasetId,
        split: 'test',
        suites: ['clean'],
      });
      assert.equal(mismatch.state, 'failed');
      assert.ok(
        (mismatch.error?.message ?? '').includes(
          `input contract mismatch: model ${result.modelId} (ptb from the UI) outputs the classes normal, abnormal; dataset ${datasetId} (kachuee beats) labels its samples N, S, V, F, Q`,
        ),
        mismatch.error?.message,
      );
    } finally {
      await engine.queue.idle();
      workspace.close();
      home.cleanup();
    }
  },
);
