import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { createProject, renameProject } from '../../src-main/core/projects/projects.js';
import { addUser } from '../../src-main/core/audit/users.js';
import { runAsActor } from '../../src-main/core/audit/log.js';
import { signRecord } from '../../src-main/core/audit/signatures.js';
import { createCheckpoint } from '../../src-main/core/audit/checkpoint.js';
import { insertModel } from '../../src-main/core/store/models.js';
import { seedRecords } from '../audit/fixtures.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

/*
 * `attest site import` / `attest site export` against a real PostgreSQL: a desktop home goes into a site and
 * back, and on each side `attest audit verify` passes with the same chain head, the same records and the same
 * artifacts; a site with records already, and an export that was tampered with, are refused with nothing
 * written.
 */

/** A desktop home with every kind of record the move must carry: artifacts, a model child, accounts, a signature. */
function desktopHome(dir: string): void {
  const ws = Workspace.open(dir);
  try {
    const { modelId, datasetId } = seedRecords(ws);
    // A child model stored before its parent would break the reference on PostgreSQL: ids chosen so that the
    // child sorts first.
    const weights = ws.artifacts.put(new TextEncoder().encode('weights of the int8 child'));
    insertModel(ws.db, {
      id: 'm-000000000000',
      name: 'tiny-resnet-int8',
      arch: 'ecg-resnet',
      datasetId,
      parentId: modelId,
      recipe: null,
      artifactSha256: weights.sha256,
      sizeBytes: 25,
      params: 1000,
      nonzeroParams: 1000,
      backend: 'cpu',
      seed: 1,
      config: {},
      summary: { classes: ['N', 'V'] },
      createdAt: new Date().toISOString(),
    });
    renameProject(ws.db, 'prj-default', 'Arrhythmia (default)');
    createProject(ws.db, 'Holter study');
    addUser(ws.db, {
      name: 'alice',
      printedName: 'Alice Admin',
      role: 'administrator',
      password: 'admin-secret-1',
    });
    runAsActor('user:alice', () =>
      addUser(ws.db, {
        name: 'rita',
        printedName: 'Dr. Rita Reviewer',
        role: 'reviewer',
        password: 'reviewer-secret-2',
      }),
    );
    signRecord(ws, {
      entityType: 'model',
      entityId: modelId,
      meaning: 'reviewed',
      userName: 'rita',
      password: 'reviewer-secret-2',
    });
    createCheckpoint(ws);
  } finally {
    ws.close();
  }
}

interface Verified {
  ok: boolean;
  events: number;
  head: { seq: number; hash: string };
  checkpoints: { count: number };
  signatures: { count: number; valid: number };
}

async function verify(args: string[]): Promise<Verified> {
  const run = await runCli(['audit', 'verify', ...args, '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  return run.json as unknown as Verified;
}

/** Every record table's rows, as text, for comparing two SQLite homes. */
function sqliteRecords(home: string): string {
  const db = new Database(join(home, 'attest.sqlite'), { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()]));
  } finally {
    db.close();
  }
}

function artifactFiles(home: string): string[] {
  const dir = join(home, 'artifacts');
  return readdirSync(dir)
    .filter((f) => /^[0-9a-f]{2}$/.test(f))
    .flatMap((f) => readdirSync(join(dir, f)))
    .sort();
}

async function rowCount(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

test('moving a home into a site and back on a real PostgreSQL', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  t.after(() => server.stop());
  const scratch = tempHome('attest-site-move');
  t.after(scratch.cleanup);
  const desktop = join(scratch.dir, 'desktop');
  const siteHome = join(scratch.dir, 'site-home');
  const back = join(scratch.dir, 'back');
  desktopHome(desktop);
  const url = await server.createDatabase('site');

  await t.test('home -> site -> home: verify passes on each side with one chain head', async () => {
    const before = await verify(['--home', desktop]);
    assert.equal(before.ok, true);

    const imported = await runCli([
      'site',
      'import',
      '--store',
      url,
      '--from',
      desktop,
      '--home',
      siteHome,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stdout + imported.stderr);
    assert.equal(imported.json['ok'], true);
    assert.deepEqual(imported.json['head'], before.head);
    assert.equal(imported.json['keyCopied'], true);
    const onSite = await verify(['--store', url, '--home', siteHome]);
    assert.equal(onSite.ok, true);
    assert.deepEqual(onSite.head, before.head);
    assert.equal(onSite.events, before.events);
    assert.equal(onSite.checkpoints.count, before.checkpoints.count);
    assert.deepEqual(onSite.signatures, before.signatures);
    assert.deepEqual(artifactFiles(siteHome), artifactFiles(desktop));

    // The site goes on with the trail it was given: a new event and a checkpoint signed with the carried key.
    const alice = { env: { ATTEST_PASSWORD: 'admin-secret-1' } };
    const added = await runCli(
      ['projects', 'add', 'Site project', '--store', url, '--home', siteHome, '--user', 'alice', '--json'],
      alice,
    );
    assert.equal(added.code, 0, added.stderr);
    const checkpoint = await runCli(
      ['audit', 'checkpoint', '--store', url, '--home', siteHome, '--user', 'alice', '--json'],
      alice,
    );
    assert.equal(checkpoint.code, 0, checkpoint.stderr);
    const grown = await verify(['--store', url, '--home', siteHome]);
    assert.equal(grown.events, before.events + 1);

    const exported = await runCli([
      'site',
      'export',
      '--store',
      url,
      '--home',
      siteHome,
      '--out',
      back,
      '--json',
    ]);
    assert.equal(exported.code, 0, exported.stdout + exported.stderr);
    const onDesk = await verify(['--home', back]);
    assert.equal(onDesk.ok, true);
    assert.deepEqual(onDesk.head, grown.head);
    assert.equal(onDesk.checkpoints.count, before.checkpoints.count + 1);
    assert.deepEqual(artifactFiles(back), artifactFiles(desktop));
    // The records are the same rows as the desktop's, plus the site's project and its event and checkpoint.
    const projects = await runCli(['projects', 'list', '--home', back, '--json']);
    assert.match(projects.stdout, /Arrhythmia \(default\)/);
    assert.match(projects.stdout, /Site project/);
    // Ids, texts and numbers come back exactly: the desktop's rows are all in the exported home unchanged.
    const original = JSON.parse(sqliteRecords(desktop)) as [string, Record<string, unknown>[]][];
    const returned = new Map(JSON.parse(sqliteRecords(back)) as [string, Record<string, unknown>[]][]);
    for (const [table, rows] of original) {
      const there = new Set((returned.get(table) ?? []).map((r) => JSON.stringify(r)));
      for (const row of rows)
        assert.ok(there.has(JSON.stringify(row)), `${table} row ${JSON.stringify(row)}`);
    }
  });

  await t.test('a site that holds records is refused, with nothing added', async () => {
    const events = await rowCount(url, 'audit_events');
    const again = await runCli([
      'site',
      'import',
      '--store',
      url,
      '--from',
      desktop,
      '--home',
      siteHome,
      '--json',
    ]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /holds records already \(.*audit_events: \d+/);
    assert.match(again.stderr, /empty store only/);
    assert.equal(await rowCount(url, 'audit_events'), events);
  });

  await t.test('an export into a folder that is not empty is refused', async () => {
    const again = await runCli([
      'site',
      'export',
      '--store',
      url,
      '--home',
      siteHome,
      '--out',
      back,
      '--json',
    ]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not empty/);
  });

  await t.test(
    'an export as one .tar file goes into a new site with the same head; a damaged one is refused',
    async () => {
      const archive = join(scratch.dir, 'site.tar');
      const packed = await runCli([
        'site',
        'export',
        '--store',
        url,
        '--home',
        siteHome,
        '--out',
        archive,
        '--json',
      ]);
      assert.equal(packed.code, 0, packed.stderr);
      assert.equal(packed.json['to'], archive);
      assert.deepEqual(
        readdirSync(scratch.dir).filter((name) => name.startsWith('.attest-export-')),
        [],
        'the folder the archive was made from is removed',
      );
      const site = await verify(['--store', url, '--home', siteHome]);
      const second = await server.createDatabase('from_archive');
      const secondHome = join(scratch.dir, 'second-site');
      const unpacked = await runCli([
        'site',
        'import',
        '--store',
        second,
        '--from',
        archive,
        '--home',
        secondHome,
        '--json',
      ]);
      assert.equal(unpacked.code, 0, unpacked.stderr);
      const there = await verify(['--store', second, '--home', secondHome]);
      assert.deepEqual(there.head, site.head);
      assert.equal(there.checkpoints.count, site.checkpoints.count);

      // One byte changed inside the archive (in an artifact's bytes): the trail no longer verifies.
      const bytes = readFileSync(archive);
      const sha = artifactFiles(siteHome)[0] ?? '';
      const at = bytes.indexOf(Buffer.from(`artifacts/${sha.slice(0, 2)}/${sha}`)) + 512;
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      const damaged = join(scratch.dir, 'damaged.tar');
      writeFileSync(damaged, bytes);
      const third = await server.createDatabase('damaged');
      const refused = await runCli([
        'site',
        'import',
        '--store',
        third,
        '--from',
        damaged,
        '--home',
        join(scratch.dir, 'h4'),
      ]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /altered/);
      assert.equal(await rowCount(third, 'audit_events'), 0);

      // An archive with anything but plain files of a home (here a symbolic link) is refused by name.
      const odd = join(scratch.dir, 'odd');
      mkdirSync(odd);
      symlinkSync('/etc/passwd', join(odd, 'attest.sqlite'));
      const oddArchive = join(scratch.dir, 'odd.tar');
      execFileSync('tar', ['--format=ustar', '-cf', oddArchive, '-C', odd, 'attest.sqlite']);
      const oddRun = await runCli([
        'site',
        'import',
        '--store',
        third,
        '--from',
        oddArchive,
        '--home',
        join(scratch.dir, 'h5'),
      ]);
      assert.equal(oddRun.code, 2);
      assert.match(
        oddRun.stderr,
        /odd\.tar: the archive holds "attest\.sqlite", which is not a file of an Attest home/,
      );
    },
  );

  await t.test('a record the site refuses rolls the whole move back: no record, no key', async () => {
    // SQLite folds only A-Z, PostgreSQL every letter: two projects apart on the desk are one name on the site.
    const accents = join(scratch.dir, 'accents');
    const ws = Workspace.open(accents);
    try {
      createProject(ws.db, 'Étude Holter');
      createProject(ws.db, 'étude holter');
      createCheckpoint(ws);
    } finally {
      ws.close();
    }
    const fresh = await server.createDatabase('accents');
    const accentHome = join(scratch.dir, 'accent-site');
    const refused = await runCli([
      'site',
      'import',
      '--store',
      fresh,
      '--from',
      accents,
      '--home',
      accentHome,
      '--json',
    ]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /could not be written to .*, and none were \(the transaction was rolled back\)/,
    );
    assert.equal(await rowCount(fresh, 'audit_events'), 0);
    assert.equal(await rowCount(fresh, 'projects'), 1);
    assert.equal(existsSync(join(accentHome, 'keys')), false);
  });

  await t.test('a tampered export is refused and the site database stays empty', async () => {
    const fresh = await server.createDatabase('tampered');
    // An audit event changed behind the triggers' back (as a tool editing the file would).
    const tampered = join(scratch.dir, 'tampered');
    const copied = await runCli(['site', 'export', '--store', url, '--home', siteHome, '--out', tampered]);
    assert.equal(copied.code, 0, copied.stderr);
    const db = new Database(join(tampered, 'attest.sqlite'));
    db.exec('DROP TRIGGER audit_events_no_update');
    db.prepare("UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 2").run();
    db.close();
    const refused = await runCli([
      'site',
      'import',
      '--store',
      fresh,
      '--from',
      tampered,
      '--home',
      join(scratch.dir, 'h2'),
      '--json',
    ]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /does not verify, so it is not carried across/);
    assert.match(refused.stderr, /event 2 .* was altered/);
    assert.equal(await rowCount(fresh, 'audit_events'), 0);
    assert.equal(existsSync(join(scratch.dir, 'h2', 'keys')), false);

    // An altered artifact file is refused the same way.
    const altered = join(scratch.dir, 'altered');
    assert.equal(
      (await runCli(['site', 'export', '--store', url, '--home', siteHome, '--out', altered])).code,
      0,
    );
    const sha = artifactFiles(altered)[0] ?? '';
    writeFileSync(join(altered, 'artifacts', sha.slice(0, 2), sha), 'not the bytes that were stored');
    const refusedArtifact = await runCli([
      'site',
      'import',
      '--store',
      fresh,
      '--from',
      altered,
      '--home',
      join(scratch.dir, 'h3'),
    ]);
    assert.equal(refusedArtifact.code, 2);
    assert.match(refusedArtifact.stderr, /altered/);
    assert.equal(await rowCount(fresh, 'audit_events'), 0);
  });
});
