import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent, JobView, Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { tempHome } from '../helpers/temp-home.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

async function finished(engine: Dispatcher, job: JobView): Promise<JobView> {
  await engine.queue.idle();
  const done = engine.queue.list().find((j) => j.id === job.id);
  assert.ok(done !== undefined);
  assert.equal(done.state, 'succeeded', done.error?.message);
  return done;
}

test(
  'the engine generates mammograms, previews them, imports into a project and shows thumbnails',
  { timeout: 60_000 },
  async () => {
    const home = tempHome('engine-images');
    const workspace = Workspace.open(home.dir);
    const events: EngineEvent[] = [];
    const engine = new Dispatcher(workspace, (e) => events.push(e));
    try {
      // Generated inside the home, under a folder name: a request cannot name a path.
      const refused = await engine.dispatch('jobs.start', {
        kind: 'generate-images',
        generator: 'mammograms',
        folder: '../outside',
      });
      assert.equal(refused.ok, false);
      const generated = await finished(
        engine,
        value<{ job: JobView }>(
          await engine.dispatch('jobs.start', {
            kind: 'generate-images',
            generator: 'mammograms',
            folder: 'mammo-test',
            patients: 4,
            perPatient: 3,
            size: 24,
          }),
        ).job,
      );
      const out = join(home.dir, 'generated', 'mammo-test');
      const result = generated.result as { images: number; importAs: { format: string; paths: string[] } };
      assert.equal(result.images, 12);
      assert.deepEqual(result.importAs, { format: 'dicom', paths: [out] });
      assert.ok(readdirSync(out).includes('labels.csv'));

      const preview = value<{
        files: number;
        groupKind: string;
        splits: { train: Record<string, number>; test: Record<string, number> } | null;
        tiles: { dicom: unknown; pixels: string }[];
      }>(
        await engine.dispatch('images.preview', {
          format: 'dicom',
          paths: [out],
          split: 'groups:1:0.5',
          limit: 5,
        }),
      );
      assert.equal(preview.files, 12);
      assert.equal(preview.groupKind, 'patient');
      assert.equal(preview.tiles.length, 5);
      assert.ok(preview.tiles.every((t) => t.dicom !== null && t.pixels.length > 0));
      const previewed = Object.values(preview.splits?.test ?? {}).reduce((a, b) => a + b, 0);

      const project = value<{ project: { id: string } }>(
        await engine.dispatch('projects.create', { name: 'Screening' }),
      ).project;
      const imported = await finished(
        engine,
        value<{ job: JobView }>(
          await engine.dispatch('projects.startJob', {
            projectId: project.id,
            spec: {
              kind: 'import-images',
              format: 'dicom',
              name: 'mammo',
              paths: [out],
              size: 16,
              split: 'groups:1:0.5',
              window: { center: 1800, width: 2000 },
            },
          }),
        ).job,
      );
      const imageResult = imported.result as { datasetId: string; splits: { test: { total: number } } };
      assert.equal(imageResult.splits.test.total, previewed, 'the preview said how many test images');
      const datasets = value<{ datasets: { id: string; projectId: string }[] }>(
        await engine.dispatch('datasets.list', {}),
      ).datasets;
      assert.deepEqual(
        datasets.map((d) => [d.id, d.projectId]),
        [[imageResult.datasetId, project.id]],
      );
      const importEvent = listAuditEvents(workspace.db).find((e) => e.action === 'dataset.import');
      assert.deepEqual((importEvent?.payload.params as { window?: unknown }).window, {
        center: 1800,
        width: 2000,
      });
      assert.ok(events.some((e) => e.type === 'store.changed' && e.what === 'datasets'));

      const thumbs = value<{ images: { png: string; split: string }[] }>(
        await engine.dispatch('images.thumbnails', { datasetId: imageResult.datasetId, count: 6 }),
      );
      assert.equal(thumbs.images.length, 6);
      assert.ok(thumbs.images.every((t) => t.png.startsWith('data:image/png;base64,')));
      const tooMany = await engine.dispatch('images.thumbnails', {
        datasetId: imageResult.datasetId,
        count: 500,
      });
      assert.equal(tooMany.ok, false);
      const notImages = await engine.dispatch('images.preview', {
        format: 'dicom',
        paths: [join(home.dir, 'no')],
      });
      assert.deepEqual(notImages.ok ? null : notImages.error.code, 'BAD_INPUT');
    } finally {
      await engine.queue.idle();
      workspace.close();
      home.cleanup();
    }
  },
);

test('projects through the engine: list, rename, assign, a project bundle, and a job started in an unknown project', async () => {
  const home = tempHome('engine-projects');
  const workspace = Workspace.open(home.dir);
  const engine = new Dispatcher(workspace, () => undefined);
  try {
    const created = value<{ project: { id: string; name: string } }>(
      await engine.dispatch('projects.create', { name: 'Line inspection' }),
    ).project;
    const duplicate = await engine.dispatch('projects.create', { name: 'line INSPECTION' });
    assert.deepEqual(duplicate.ok ? null : duplicate.error.code, 'BAD_INPUT');
    value(await engine.dispatch('projects.rename', { projectId: created.id, name: 'Lines 2026' }));
    const list = value<{ projects: { name: string; isDefault: boolean; datasets: number }[] }>(
      await engine.dispatch('projects.list', {}),
    ).projects;
    assert.deepEqual(
      list.map((p) => [p.name, p.isDefault, p.datasets]),
      [
        ['Default project', true, 0],
        ['Lines 2026', false, 0],
      ],
    );
    const missing = await engine.dispatch('projects.assign', {
      projectId: created.id,
      entityType: 'model',
      entityId: 'm-none',
    });
    assert.deepEqual(missing.ok ? null : missing.error, {
      code: 'NOT_FOUND',
      message: 'no model with id m-none',
    });
    const nowhere = await engine.dispatch('projects.startJob', {
      projectId: 'prj-none',
      spec: { kind: 'import-synthetic', name: 'x', records: 3, seconds: 60, seed: 1, split: 'records:1:0.3' },
    });
    assert.deepEqual(nowhere.ok ? null : nowhere.error.code, 'NOT_FOUND');
    assert.equal(engine.queue.list().length, 0, 'no job was queued');

    // A job in a project may not use a record of another project (here the default one's dataset).
    const outside = await finished(
      engine,
      value<{ job: JobView }>(
        await engine.dispatch('jobs.start', {
          kind: 'import-synthetic',
          name: 'outside',
          records: 3,
          seconds: 60,
          seed: 1,
          split: 'records:1:0.3',
        }),
      ).job,
    );
    const outsideId = (outside.result as { datasetId: string }).datasetId;
    const crossing = await engine.dispatch('projects.startJob', {
      projectId: created.id,
      spec: { kind: 'train', datasetId: outsideId, arch: 'ecg-resnet', epochs: 1, seed: 1 },
    });
    assert.deepEqual(crossing.ok ? null : crossing.error, {
      code: 'FORBIDDEN',
      message: `the dataset ${outsideId} belongs to another project (prj-default): a job in project ${created.id} uses that project's records only`,
    });
    assert.equal(engine.queue.list().length, 1, 'only the import was queued');

    const bundle = await finished(
      engine,
      value<{ job: JobView }>(
        await engine.dispatch('jobs.start', { kind: 'audit-bundle-project', projectId: created.id }),
      ).job,
    );
    const written = bundle.result as { name: string; models: number; project: string };
    assert.equal(written.project, 'Lines 2026');
    assert.equal(written.models, 0);
    assert.ok(existsSync(join(home.dir, 'exports', written.name)));
    const verdict = value<{ ok: boolean }>(await engine.dispatch('exports.verify', { name: written.name }));
    assert.equal(verdict.ok, true);
  } finally {
    await engine.queue.idle();
    workspace.close();
    home.cleanup();
  }
});
