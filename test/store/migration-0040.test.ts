import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, schemaVersion } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import {
  insertComparison,
  listComparisons,
  newComparisonId,
} from '../../src-main/core/store/method-comparisons.js';
import { tempHome } from '../helpers/temp-home.js';

test('0040 adds method comparisons to a database at 0030: found by dataset and by model, newest first', () => {
  const home = tempHome('m0040');
  try {
    const path = join(home.dir, 'a.sqlite');
    const old = openDatabase(
      path,
      MIGRATIONS.filter((m) => m.version < 40),
    );
    old
      .prepare(
        `INSERT INTO datasets (id, name, kind, importer_version, params_json, data_sha256, summary_json, created_at)
         VALUES ('ds-1', 'd', 'ecg-beats', '1', '{}', 'x', '{}', 'now')`,
      )
      .run();
    for (const id of ['m-1', 'm-2', 'm-3'])
      old
        .prepare(
          `INSERT INTO models (id, name, arch, dataset_id, artifact_sha256, size_bytes, params, nonzero_params,
           backend, config_json, summary_json, created_at) VALUES (?, 'm', 'a', 'ds-1', 'x', 1, 1, 1, 'cpu', '{}', '{}', 'now')`,
        )
        .run(id);
    old.close();
    const db = openDatabase(path);
    assert.ok(schemaVersion(db) >= 40);
    const first = newComparisonId();
    const second = newComparisonId();
    assert.match(first, /^cmp-[0-9a-f]{12}$/);
    insertComparison(db, {
      id: first,
      kind: 'lr-policies',
      datasetId: 'ds-1',
      params: { policies: ['constant', 'cosine'] },
      result: { rows: [{ policy: 'constant' }, { policy: 'cosine' }] },
      backend: 'wasm',
      createdAt: '2026-01-01T00:00:00Z',
      models: [
        { modelId: 'm-1', role: 'constant' },
        { modelId: 'm-2', role: 'cosine' },
      ],
    });
    insertComparison(db, {
      id: second,
      kind: 'activation-sparsity',
      datasetId: null,
      params: {},
      result: { models: [] },
      backend: 'wasm',
      createdAt: '2026-01-02T00:00:00Z',
      models: [{ modelId: 'm-3', role: 'compared' }],
    });
    assert.deepEqual(
      listComparisons(db).map((c) => c.id),
      [second, first],
    );
    const ofData = listComparisons(db, { datasetId: 'ds-1' });
    assert.deepEqual(
      ofData.map((c) => c.id),
      [first],
    );
    assert.deepEqual(ofData[0]?.models, [
      { modelId: 'm-1', role: 'constant' },
      { modelId: 'm-2', role: 'cosine' },
    ]);
    assert.deepEqual(ofData[0]?.result, { rows: [{ policy: 'constant' }, { policy: 'cosine' }] });
    assert.deepEqual(
      listComparisons(db, { modelId: 'm-3' }).map((c) => c.id),
      [second],
    );
    assert.deepEqual(
      listComparisons(db, { modelId: 'm-3', datasetId: 'ds-1' }).map((c) => c.id),
      [second, first],
      'either filter',
    );
    assert.throws(
      () =>
        insertComparison(db, {
          id: newComparisonId(),
          kind: 'low-bit',
          datasetId: 'ds-1',
          params: {},
          result: {},
          backend: 'wasm',
          createdAt: 'now',
          models: [{ modelId: 'm-nothere', role: 'float' }],
        }),
      /FOREIGN KEY/,
      'a comparison names stored models only',
    );
    db.close();
  } finally {
    home.cleanup();
  }
});
