import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { appendAuditEvent } from '../../src-main/core/audit/log.js';
import { createCheckpoint } from '../../src-main/core/audit/checkpoint.js';
import { tempHome } from '../helpers/temp-home.js';
import { attest } from '../audit/cli-run.js';

/**
 * A damaged database file: a page overwritten (a disk fault, a careless edit) or the file cut short (a copy
 * interrupted). `attest audit verify` must say so with exit 3, and every command must answer with a sentence,
 * not a stack trace.
 */
function homeWithEvents(dir: string): void {
  const ws = Workspace.open(dir);
  try {
    ws.db.transaction(() => {
      for (let i = 0; i < 200; i++)
        appendAuditEvent(ws.db, {
          action: 'test.step',
          entityId: `e-${i}`,
          payload: { params: { i, text: 'x'.repeat(200) } },
        });
    })();
    createCheckpoint(ws);
  } finally {
    ws.close(); // the last connection folds the write-ahead log into the file
  }
}

/** Overwrites one page of the file (page numbers from 1) with a repeating byte pattern. */
function overwritePage(file: string, page: number): void {
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

function rootPage(file: string, name: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(name) as { rootpage: number })
      .rootpage;
  } finally {
    db.close();
  }
}

test('an overwritten page that the hash chain never reads is reported by verify (exit 3)', async () => {
  const home = tempHome();
  try {
    homeWithEvents(home.dir);
    const file = join(home.dir, 'attest.sqlite');
    // An index of a table the trail does not cover: only SQLite's integrity check reaches it.
    overwritePage(file, rootPage(file, 'models_parent'));
    const result = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(result.code, 3, result.stdout + result.stderr);
    const problems = result.json['problems'] as { kind: string; message: string; file?: string }[];
    assert.ok(problems.length >= 1);
    assert.ok(
      problems.every((p) => p.kind === 'database-damaged'),
      JSON.stringify(problems),
    );
    assert.match(
      problems[0]?.message ?? '',
      /the database file is damaged \(SQLite integrity check: .+\): restore it from a backup/,
    );
    assert.equal(problems[0]?.file, file);
  } finally {
    home.cleanup();
  }
});

test('an overwritten page of the audit trail itself is reported, not a crash', async () => {
  const home = tempHome();
  try {
    homeWithEvents(home.dir);
    const file = join(home.dir, 'attest.sqlite');
    overwritePage(file, rootPage(file, 'audit_events'));
    const result = await attest(['audit', 'verify', '--home', home.dir, '--json']);
    assert.equal(result.code, 3, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    const problems = result.json['problems'] as { kind: string; message: string }[];
    assert.deepEqual(
      problems.map((p) => p.kind),
      ['database-damaged'],
    );
    assert.match(
      problems[0]?.message ?? '',
      /Tree \d+ page \d+: .*; and \d+ more\): restore it from a backup$/,
    );
  } finally {
    home.cleanup();
  }
});

test('a truncated database gives exit 3 and one sentence naming the file, for verify and any command', async () => {
  const home = tempHome();
  try {
    homeWithEvents(home.dir);
    const file = join(home.dir, 'attest.sqlite');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    for (const command of [
      ['audit', 'verify'],
      ['datasets', 'list'],
      ['audit', 'log'],
    ]) {
      const result = await attest([...command, '--home', home.dir, '--json']);
      assert.equal(result.code, 3, `${command.join(' ')}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.match(
        result.stderr,
        /attest: .*attest\.sqlite: the database file is damaged \(.+\): restore it from a backup/,
      );
      const stdout = JSON.parse(result.stdout) as { ok: boolean; error?: { code: string } };
      assert.equal(stdout.ok, false);
    }
  } finally {
    home.cleanup();
  }
});
