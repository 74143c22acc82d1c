import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';

test(
  'attest projects add|list|rename|assign and --project on import and train',
  { timeout: 120_000 },
  async () => {
    const home = tempHome('cli-projects');
    const data = mkdtempSync(join(tmpdir(), 'attest-cli-projects-'));
    const attest = (...args: string[]) => runCli(['--home', home.dir, ...args]);
    try {
      const added = await attest('projects', 'add', 'Breast screening', '--json');
      assert.equal(added.code, 0, added.stderr);
      const project = added.json['project'] as { id: string; name: string };
      assert.equal(project.name, 'Breast screening');
      const again = await attest('projects', 'add', 'breast SCREENING');
      assert.equal(again.code, 2);
      assert.match(again.stderr, /a project named "breast SCREENING" exists already/);

      const renamed = await attest('projects', 'rename', 'breast screening', '--to', 'Mammography', '--json');
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.equal((renamed.json['project'] as { name: string }).name, 'Mammography');

      // An unknown project stops an import before anything is read or stored.
      const folder = join(data, 'mammo');
      await writeSyntheticMammograms({
        out: folder,
        patients: 4,
        imagesPerPatient: 3,
        size: 24,
        seed: 1,
        format: 'dicom',
      });
      const unknown = await attest('import', 'dicom', folder, '--name', 'x', '--project', 'Nope', '--json');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no project named or numbered "Nope"/);

      const imported = await attest(
        'import',
        'dicom',
        folder,
        '--name',
        'mammo',
        '--size',
        '16',
        '--project',
        'mammography',
        '--json',
      );
      assert.equal(imported.code, 0, imported.stderr);
      assert.deepEqual(imported.json['project'], { id: project.id, name: 'Mammography' });
      const datasetId = imported.json['datasetId'] as string;

      const trained = await attest(
        'train',
        '--dataset',
        datasetId,
        '--arch',
        'small-cnn',
        '--epochs',
        '1',
        '--seed',
        '1',
        '--no-lr-test',
        '--project',
        project.id,
        '--json',
      );
      assert.equal(trained.code, 0, trained.stderr);
      const modelId = trained.json['modelId'] as string;
      assert.deepEqual(trained.json['project'], { id: project.id, name: 'Mammography' });

      const after = await attest('projects', 'list', '--json');
      const rows = after.json['projects'] as { id: string; datasetIds: string[]; modelIds: string[] }[];
      const mine = rows.find((p) => p.id === project.id);
      assert.deepEqual(mine?.datasetIds, [datasetId]);
      assert.deepEqual(mine?.modelIds, [modelId]);

      // Moving the model back to the default project, and the trail says so.
      const moved = await attest('projects', 'assign', 'Default project', '--model', modelId, '--json');
      assert.equal(moved.code, 0, moved.stderr);
      assert.equal(moved.json['from'], project.id);
      const log = await attest('audit', 'log', '--json');
      const actions = (log.json['events'] as { action: string }[]).map((e) => e.action);
      for (const action of ['project.create', 'project.rename', 'project.assign'])
        assert.ok(actions.includes(action), `${action} is in the audit trail`);
      // The dataset, the model (put there explicitly by train --project), the model again.
      assert.equal(actions.filter((a) => a === 'project.assign').length, 3);
      const bundle = join(data, 'project.zip');
      const exported = await attest('projects', 'export', 'Mammography', '--out', bundle, '--json');
      assert.equal(exported.code, 0, exported.stderr);
      assert.deepEqual(exported.json['models'], [], 'the model left the project');
    } finally {
      home.cleanup();
      rmSync(data, { recursive: true, force: true });
    }
  },
);
