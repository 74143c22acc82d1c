import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listModels, type ModelRow } from '../../src-main/core/store/models.js';
import { listDatasets, type DatasetRow } from '../../src-main/core/store/datasets.js';
import { validationsOfModel } from '../../src-main/core/store/validations.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { persistModel } from '../../src-main/core/persist/persist-model.js';
import { persistDataset } from '../../src-main/core/persist/persist-dataset.js';
import { persistValidation } from '../../src-main/core/persist/persist-validation.js';

/* The one persistence module: a record and its audit event are stored together or not at all. */

function withWorkspace(run: (workspace: Workspace) => void): void {
  const home = tempHome('persist');
  const workspace = Workspace.open(home.dir);
  try {
    run(workspace);
  } finally {
    workspace.close();
    home.cleanup();
  }
}

const dataset = (id: string, sha256: string): DatasetRow => ({
  id,
  name: 'beats',
  kind: 'ecg-beats',
  createdAt: '2026-01-01T00:00:00.000Z',
  importerVersion: 'wfdb-beats/1',
  params: { lead: 'MLII' },
  summary: { beats: 3 },
  dataSha256: sha256,
});

const model = (id: string, datasetId: string, sha256: string): ModelRow => ({
  id,
  name: 'cnn',
  arch: 'small-cnn',
  datasetId,
  parentId: null,
  recipe: null,
  artifactSha256: sha256,
  sizeBytes: 3,
  params: 10,
  nonzeroParams: 10,
  backend: 'cpu',
  seed: 1,
  config: {},
  summary: {},
  createdAt: '2026-01-01T00:00:00.000Z',
});

test('a dataset is stored with its import event naming the importer, its sources and its bundle', () =>
  withWorkspace((workspace) => {
    const stored = workspace.artifacts.put(new Uint8Array([1, 2, 3]));
    const sources = [{ record: '100', path: '/data/100.dat', size: 3, sha256: 'a'.repeat(64) }];
    persistDataset(
      workspace,
      { sha256: stored.sha256, createdNow: true },
      dataset('ds1', stored.sha256),
      sources,
      [],
      {
        beats: 3,
      },
    );
    assert.deepEqual(
      listDatasets(workspace.db).map((d) => d.id),
      ['ds1'],
    );
    const [event] = listAuditEvents(workspace.db, { entityId: 'ds1' });
    assert.equal(event?.action, 'dataset.import');
    assert.deepEqual(event?.payload.params, { lead: 'MLII', name: 'beats', importer: 'wfdb-beats/1' });
    assert.deepEqual(event?.payload.sources, [{ path: '/data/100.dat', sha256: 'a'.repeat(64), size: 3 }]);
    assert.deepEqual(event?.payload.outputs, [{ role: 'dataset-bundle', sha256: stored.sha256 }]);
    assert.deepEqual(event?.payload.result, { beats: 3 });
  }));

test('a refused dataset leaves no row, no event, and removes only a bundle the import wrote', () =>
  withWorkspace((workspace) => {
    const first = workspace.artifacts.put(new Uint8Array([1, 2, 3]));
    persistDataset(
      workspace,
      { sha256: first.sha256, createdNow: true },
      dataset('ds1', first.sha256),
      [],
      [],
      {},
    );
    const events = listAuditEvents(workspace.db).length;
    // The same id again: the insert fails inside the transaction.
    const second = workspace.artifacts.put(new Uint8Array([4, 5, 6]));
    assert.throws(() =>
      persistDataset(
        workspace,
        { sha256: second.sha256, createdNow: true },
        dataset('ds1', second.sha256),
        [],
        [],
        {},
      ),
    );
    assert.equal(workspace.artifacts.has(second.sha256), false);
    // A bundle an earlier import wrote (an identical import) stays.
    assert.throws(() =>
      persistDataset(
        workspace,
        { sha256: first.sha256, createdNow: false },
        dataset('ds1', first.sha256),
        [],
        [],
        {},
      ),
    );
    assert.equal(workspace.artifacts.has(first.sha256), true);
    assert.equal(listDatasets(workspace.db).length, 1);
    assert.equal(listAuditEvents(workspace.db).length, events);
  }));

test('a model, what is stored alongside it and its event are one transaction', () =>
  withWorkspace((workspace) => {
    const bundle = workspace.artifacts.put(new Uint8Array([1]));
    persistDataset(
      workspace,
      { sha256: bundle.sha256, createdNow: true },
      dataset('ds1', bundle.sha256),
      [],
      [],
      {},
    );
    const events = listAuditEvents(workspace.db).length;
    assert.throws(
      () =>
        persistModel(
          workspace.db,
          model('m1', 'ds1', bundle.sha256),
          { action: 'model.train', payload: {} },
          () => {
            throw new Error('measurement refused');
          },
        ),
      /measurement refused/,
    );
    assert.equal(listModels(workspace.db).length, 0);
    assert.equal(listAuditEvents(workspace.db).length, events);

    persistModel(workspace.db, model('m1', 'ds1', bundle.sha256), {
      action: 'model.train',
      payload: { seed: 1 },
    });
    assert.deepEqual(
      listModels(workspace.db).map((m) => m.id),
      ['m1'],
    );
    const [event] = listAuditEvents(workspace.db, { entityId: 'm1' });
    assert.equal(event?.action, 'model.train');
    assert.equal(event?.entityType, 'model');

    persistValidation(
      workspace.db,
      {
        id: 'val1',
        modelId: 'm1',
        datasetId: 'ds1',
        split: 'test',
        suites: ['clean'],
        backend: 'cpu',
        result: {},
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      [],
      { action: 'model.validate', payload: {} },
    );
    assert.equal(validationsOfModel(workspace.db, 'm1').length, 1);
    assert.equal(listAuditEvents(workspace.db, { entityId: 'val1' })[0]?.entityType, 'validation');
  }));
