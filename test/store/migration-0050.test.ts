import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../src-main/core/store/database.js';
import { MIGRATIONS } from '../../src-main/core/store/migrations/index.js';
import { tempHome } from '../helpers/temp-home.js';

test('0050 adds projects to a database with data: everything lands in the default project, which stays', () => {
  const home = tempHome('m0050');
  try {
    const path = join(home.dir, 'a.sqlite');
    const old = openDatabase(
      path,
      MIGRATIONS.filter((m) => m.version < 50),
    );
    old
      .prepare(
        `INSERT INTO datasets (id, name, kind, created_at, importer_version, params_json, summary_json, data_sha256)
         VALUES ('ds-1', 'd', 'beats', 'now', 'x', '{}', '{}', 'h')`,
      )
      .run();
    old.close();
    const db = openDatabase(path);
    const projects = db.prepare('SELECT id, name FROM projects').all() as { id: string; name: string }[];
    assert.deepEqual(projects, [{ id: 'prj-default', name: 'Default project' }]);
    assert.equal(
      (db.prepare('SELECT count(*) AS n FROM project_datasets').get() as { n: number }).n,
      0,
      'no membership rows: a dataset without one is in the default project',
    );
    assert.throws(() => db.prepare('DELETE FROM projects').run(), /never deleted/);
    assert.throws(
      () =>
        db
          .prepare("INSERT INTO projects (id, name, created_at) VALUES ('p2', 'DEFAULT PROJECT', 'now')")
          .run(),
      /UNIQUE/,
      'names are unique whatever their case',
    );
    assert.throws(
      () =>
        db
          .prepare(
            "INSERT INTO project_datasets (dataset_id, project_id, assigned_at) VALUES ('ds-1', 'nope', 'now')",
          )
          .run(),
      /FOREIGN KEY/,
    );
    db.close();
  } finally {
    home.cleanup();
  }
});
