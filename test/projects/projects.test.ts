import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { insertDataset } from '../../src-main/core/store/datasets.js';
import { insertModel } from '../../src-main/core/store/models.js';
import { listAuditEvents, runAsActor } from '../../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { recordVersion } from '../../src-main/core/audit/record-version.js';
import { actorOf, addUser, getUser } from '../../src-main/core/audit/users.js';
import {
  createProject,
  DEFAULT_PROJECT_ID,
  listProjects,
  renameProject,
  resolveProject,
} from '../../src-main/core/projects/projects.js';
import {
  assignToProject,
  datasetProjectMap,
  modelProjectMap,
  projectCounts,
  projectModelIds,
} from '../../src-main/core/projects/project-membership.js';
import { tempHome } from '../helpers/temp-home.js';

function addDataset(workspace: Workspace, id: string): void {
  insertDataset(
    workspace.db,
    {
      id,
      name: id,
      kind: 'beats',
      createdAt: new Date().toISOString(),
      importerVersion: 't',
      params: {},
      summary: {},
      dataSha256: 'h',
    },
    [],
    [],
  );
}

function addModel(workspace: Workspace, id: string, datasetId: string | null, parentId: string | null): void {
  insertModel(workspace.db, {
    id,
    name: id,
    arch: 'a',
    datasetId,
    parentId,
    recipe: parentId === null ? null : 'prune:0.5',
    artifactSha256: 'x',
    sizeBytes: 1,
    params: 1,
    nonzeroParams: 1,
    backend: 'cpu',
    seed: 1,
    config: {},
    summary: {},
    createdAt: new Date().toISOString(),
  });
}

test('projects: create, rename and resolve by name or id, audited; names unique whatever the case', () => {
  const home = tempHome('projects');
  const workspace = Workspace.open(home.dir);
  try {
    const db = workspace.db;
    assert.deepEqual(
      listProjects(db).map((p) => p.id),
      [DEFAULT_PROJECT_ID],
    );
    const ecg = createProject(db, '  Holter study  ');
    assert.equal(ecg.name, 'Holter study');
    assert.match(ecg.id, /^prj-[0-9a-f]{12}$/);
    assert.throws(() => createProject(db, 'HOLTER STUDY'), /exists already/);
    assert.throws(() => createProject(db, '   '), /1 to 100 characters/);
    assert.throws(() => createProject(db, 'a\u0007b'), /control characters/);
    assert.equal(resolveProject(db, 'holter study').id, ecg.id);
    assert.equal(resolveProject(db, ecg.id).name, 'Holter study');
    assert.throws(() => resolveProject(db, 'nope'), /no project named or numbered "nope"/);

    const renamed = renameProject(db, ecg.id, 'Holter 2026');
    assert.equal(renamed.name, 'Holter 2026');
    assert.throws(() => renameProject(db, ecg.id, 'default PROJECT'), /exists already/);
    assert.throws(() => renameProject(db, 'prj-none', 'x'), /no project with id prj-none/);
    // Renaming to the same name is no change and writes no event.
    renameProject(db, ecg.id, 'Holter 2026');

    const events = listAuditEvents(db).filter((e) => e.action.startsWith('project.'));
    assert.deepEqual(
      events.map((e) => [e.action, e.entityId, e.payload.params]),
      [
        ['project.create', ecg.id, { name: 'Holter study' }],
        ['project.rename', ecg.id, { from: 'Holter study', to: 'Holter 2026' }],
      ],
    );
    assert.equal(verifyAuditTrail(workspace).ok, true);
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('membership: datasets default, models follow parent then dataset, moves are audited and leave signatures valid', () => {
  const home = tempHome('projects-members');
  const workspace = Workspace.open(home.dir);
  try {
    const db = workspace.db;
    addDataset(workspace, 'ds-a');
    addDataset(workspace, 'ds-b');
    addModel(workspace, 'm-base', 'ds-a', null);
    addModel(workspace, 'm-child', 'ds-a', 'm-base');
    addModel(workspace, 'm-b', 'ds-b', null);
    assert.equal(datasetProjectMap(db).get('ds-a'), DEFAULT_PROJECT_ID);
    assert.equal(modelProjectMap(db).get('m-child'), DEFAULT_PROJECT_ID);

    const mammo = createProject(db, 'Mammography');
    const signedBefore = recordVersion(db, 'model', 'm-base').sha256;
    const moved = assignToProject(db, 'dataset', 'ds-a', mammo.id);
    assert.deepEqual([moved.changed, moved.from], [true, DEFAULT_PROJECT_ID]);
    // The models trained on ds-a follow it; m-b stays.
    assert.deepEqual(projectModelIds(db, mammo.id), ['m-base', 'm-child']);
    assert.equal(modelProjectMap(db).get('m-b'), DEFAULT_PROJECT_ID);

    // A model moved explicitly takes its compressed child along; the child can be moved on its own.
    const other = createProject(db, 'Other');
    assignToProject(db, 'model', 'm-base', other.id);
    assert.equal(modelProjectMap(db).get('m-child'), other.id);
    assignToProject(db, 'model', 'm-child', mammo.id);
    assert.equal(modelProjectMap(db).get('m-child'), mammo.id);
    assert.equal(modelProjectMap(db).get('m-base'), other.id);
    assert.equal(recordVersion(db, 'model', 'm-base').sha256, signedBefore, 'the signed record is unchanged');

    // Again into the same project: nothing changes, no event.
    const before = listAuditEvents(db).length;
    assert.equal(assignToProject(db, 'model', 'm-child', mammo.id).changed, false);
    assert.equal(listAuditEvents(db).length, before);

    assert.throws(() => assignToProject(db, 'dataset', 'ds-none', mammo.id), /no dataset with id ds-none/);
    assert.throws(() => assignToProject(db, 'model', 'm-b', 'prj-none'), /no project with id prj-none/);
    assert.deepEqual(projectCounts(db).get(mammo.id), { datasets: 1, models: 1 });
    assert.deepEqual(projectCounts(db).get(DEFAULT_PROJECT_ID), { datasets: 1, models: 1 });

    const assigns = listAuditEvents(db).filter((e) => e.action === 'project.assign');
    assert.deepEqual(
      assigns.map((e) => [
        e.entityType,
        e.entityId,
        e.payload.params?.['project'],
        e.payload.params?.['from'],
      ]),
      [
        ['dataset', 'ds-a', mammo.id, DEFAULT_PROJECT_ID],
        ['model', 'm-base', other.id, mammo.id],
        ['model', 'm-child', mammo.id, other.id],
      ],
    );
    // The rows above point at artifacts that were never written; the chain itself must be intact.
    assert.deepEqual(
      verifyAuditTrail(workspace).problems.filter((p) => p.kind !== 'artifact-missing'),
      [],
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('once accounts exist, project changes need a signed-in user, who is named in the event', () => {
  const home = tempHome('projects-users');
  const workspace = Workspace.open(home.dir);
  try {
    const db = workspace.db;
    addUser(db, {
      name: 'ada',
      printedName: 'Ada L.',
      role: 'administrator',
      password: 'correct horse battery',
    });
    assert.throws(() => createProject(db, 'Anonymous'), /user accounts/);
    assert.deepEqual(
      listProjects(db).map((p) => p.name),
      ['Default project'],
      'nothing stored',
    );
    const user = getUser(db, 'ada');
    const project = runAsActor(actorOf(user), () => createProject(db, 'Signed'));
    const event = listAuditEvents(db).find((e) => e.entityId === project.id);
    assert.equal(event?.actor, actorOf(user));
  } finally {
    workspace.close();
    home.cleanup();
  }
});
