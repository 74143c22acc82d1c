import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase, schemaVersion } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import {
  getMeasurement,
  listMeasurements,
  upsertMeasurement,
} from '../../src-main/core/store/model-measurements.js';
import { tempHome } from '../helpers/temp-home.js';

const figures = {
  backend: 'wasm',
  sizeBytes: 1000,
  gzipBytes: 800,
  params: 250,
  nonzeroParams: 50,
  flops: 1e6,
  sparseFlops: 2e5,
  latencyMs: 0.5,
  batchedMsPerSample: 0.1,
  runs: 30,
};

test('0030 adds model_measurements to a database at 0010, one row per model and backend', () => {
  const home = tempHome('m0030');
  try {
    const path = join(home.dir, 'a.sqlite');
    const old = openDatabase(
      path,
      MIGRATIONS.filter((m) => m.version < 30),
    );
    old
      .prepare(
        `INSERT INTO models (id, name, arch, artifact_sha256, size_bytes, params, nonzero_params, backend,
         config_json, summary_json, created_at) VALUES ('m-1', 'm', 'a', 'x', 1, 1, 1, 'cpu', '{}', '{}', 'now')`,
      )
      .run();
    old.close();
    const db = openDatabase(path);
    assert.ok(schemaVersion(db) >= 30);
    upsertMeasurement(db, { modelId: 'm-1', ...figures, measuredAt: '2026-01-01T00:00:00Z' });
    upsertMeasurement(db, { modelId: 'm-1', ...figures, backend: 'cpu', measuredAt: '2026-01-02T00:00:00Z' });
    // A re-measurement on the same backend replaces the row.
    upsertMeasurement(db, { modelId: 'm-1', ...figures, latencyMs: 0.4, measuredAt: '2026-01-03T00:00:00Z' });
    assert.equal(getMeasurement(db, 'm-1', 'wasm')?.latencyMs, 0.4);
    assert.deepEqual(
      listMeasurements(db, 'm-1').map((m) => m.backend),
      ['wasm', 'cpu'],
      'latest first',
    );
    assert.equal(getMeasurement(db, 'm-1', 'tensorflow'), undefined);
    assert.throws(
      () => upsertMeasurement(db, { modelId: 'm-nothere', ...figures, measuredAt: 'now' }),
      /FOREIGN KEY/,
      'a measurement needs its model',
    );
    db.close();
  } finally {
    home.cleanup();
  }
});
