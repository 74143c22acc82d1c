import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { addUser } from '../../src-main/core/audit/users.js';
import { runAsActor } from '../../src-main/core/audit/log.js';
import { signRecord } from '../../src-main/core/audit/signatures.js';
import { exportAuditBundle } from '../../src-main/core/pipelines/export/audit-bundle-documents.js';
import { verifyBundle } from '../../src-main/core/audit/bundle-verifier.js';
import { tempHome } from '../helpers/temp-home.js';
import { seedRecords } from './fixtures.js';
import { pdfPagesText } from './pdf-text.js';

/** One exported bundle, made once: a real store with a signed validation, reports, PDF, model card, artifacts. */
const home = tempHome('bundle');
const bundlePath = join(home.dir, 'bundle.zip');
let modelSha = '';
let keyId = '';

test.before(async () => {
  const ws = Workspace.open(join(home.dir, 'home'));
  try {
    addUser(ws.db, {
      name: 'alice',
      printedName: 'Alice Admin',
      role: 'administrator',
      password: 'admin-secret-1',
    });
    runAsActor('user:alice', () => {
      addUser(ws.db, {
        name: 'rita',
        printedName: 'Dr. Rita Reviewer',
        role: 'reviewer',
        password: 'reviewer-secret-2',
      });
    });
    const ids = runAsActor('user:alice', () => seedRecords(ws));
    modelSha = ids.modelSha;
    signRecord(ws, {
      entityType: 'validation',
      entityId: ids.validationId,
      meaning: 'approved',
      userName: 'rita',
      password: 'reviewer-secret-2',
    });
    const result = await runAsActor('user:alice', () => exportAuditBundle(ws, { out: bundlePath }));
    keyId = result.checkpoint.keyId;
  } finally {
    ws.close();
  }
});
test.after(() => home.cleanup());

/** Rewrites one file of the bundle, as someone with the zip and fflate would. */
function rezip(edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(readFileSync(bundlePath));
  edit(files);
  return zipSync(files);
}

function kinds(bytes: Uint8Array): string[] {
  return verifyBundle(bytes).problems.map((p) => p.kind);
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

test('the exported bundle holds every part and verifies; the expected key fingerprint is checked', async () => {
  const bytes = readFileSync(bundlePath);
  const files = Object.keys(unzipSync(bytes)).sort();
  for (const name of [
    'README.txt',
    'checkpoint.json',
    'events.jsonl',
    'manifest.json',
    'manifest.sig',
    'public-key.pem',
    'signatures.jsonl',
    'verify-bundle.mjs',
    `artifacts/${modelSha}`,
  ])
    assert.ok(files.includes(name), name);
  assert.ok(files.some((f) => /^reports\/m-.*\.html$/.test(f) && !f.includes('card')));
  assert.ok(files.some((f) => /^reports\/m-.*-model-card\.html$/.test(f)));
  const pdf = files.find((f) => f.endsWith('.pdf'));
  assert.ok(pdf !== undefined && text(unzipSync(bytes)[pdf]?.subarray(0, 5)) === '%PDF-');
  const pdfText = await pdfPagesText(unzipSync(bytes)[pdf] as Uint8Array);
  assert.ok(pdfText.pages >= 1);
  for (const expected of [
    'Validation report: tiny-resnet',
    'APPROVED by Dr. Rita Reviewer',
    'Accuracy',
    '90.0%',
    'Audit trail intact',
  ])
    assert.ok(pdfText.text.includes(expected), `${expected} in the PDF`);
  const result = verifyBundle(bytes, { expectKey: keyId });
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.equal(result.signatures.valid, 1);
  assert.ok(result.historyChecked >= 2, 'the checkpoints after signing and at export, each over a prefix');
  assert.ok(result.artifactsChecked >= 1);
  const html = text(unzipSync(bytes)[files.find((f) => /^reports\/m-[0-9a-f]+\.html$/.test(f)) as string]);
  assert.match(html, /APPROVED/);
  assert.match(html, /Dr\. Rita Reviewer/);
  assert.deepEqual(
    verifyBundle(bytes, { expectKey: 'f'.repeat(64) }).problems.map((p) => p.kind),
    ['public-key-unexpected'],
  );
});

test('one byte of an event is detected and the event named', () => {
  const bad = rezip((f) => {
    f['events.jsonl'] = bytesOf(
      text(f['events.jsonl']).replace('"action":"model.train"', '"action":"model.trainX"'),
    );
  });
  const result = verifyBundle(bad);
  assert.equal(result.ok, false);
  assert.ok(result.problems.some((p) => p.kind === 'file-altered' && p.file === 'events.jsonl'));
  const altered = result.problems.find((p) => p.kind === 'hash-mismatch');
  assert.match(altered?.message ?? '', /event \d+ \(model\.trainX\) was altered/);
});

test('one byte of an artifact is detected and the artifact named', () => {
  const bad = rezip((f) => {
    const data = f[`artifacts/${modelSha}`] as Uint8Array;
    data[0] = (data[0] as number) ^ 1;
  });
  const problems = verifyBundle(bad).problems;
  const altered = problems.find((p) => p.kind === 'artifact-altered');
  assert.equal(altered?.file, `artifacts/${modelSha}`);
  assert.match(altered?.message ?? '', /model m-000000000001/);
});

test('a deleted event and two swapped events are detected and named', () => {
  const lines = (f: Record<string, Uint8Array>): string[] =>
    text(f['events.jsonl'])
      .split('\n')
      .filter((l) => l !== '');
  const deleted = rezip((f) => {
    const l = lines(f);
    l.splice(3, 1);
    f['events.jsonl'] = bytesOf(l.map((x) => `${x}\n`).join(''));
  });
  const k1 = kinds(deleted);
  for (const kind of ['file-altered', 'sequence-gap', 'broken-link', 'events-missing'])
    assert.ok(k1.includes(kind), `${kind} in ${k1.join()}`);
  assert.match(
    verifyBundle(deleted).problems.find((p) => p.kind === 'sequence-gap')?.message ?? '',
    /line 4 holds event 5, expected event 4/,
  );

  const swapped = rezip((f) => {
    const l = lines(f);
    [l[2], l[3]] = [l[3] as string, l[2] as string];
    f['events.jsonl'] = bytesOf(l.map((x) => `${x}\n`).join(''));
  });
  const k2 = kinds(swapped);
  for (const kind of ['sequence-gap', 'broken-link', 'checkpoint-root-mismatch'])
    assert.ok(k2.includes(kind), `${kind} in ${k2.join()}`);
  assert.ok(!k2.includes('hash-mismatch'), 'each event is intact by itself: only its place is wrong');
});

test('a replaced public key is detected and named, even with the manifest re-signed by the new key', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const replaced = rezip((f) => {
    f['public-key.pem'] = bytesOf(publicKey.export({ format: 'pem', type: 'spki' }).toString());
  });
  const k = kinds(replaced);
  for (const kind of [
    'public-key-replaced',
    'manifest-signature-invalid',
    'checkpoint-signature-invalid',
    'file-altered',
  ])
    assert.ok(k.includes(kind), `${kind} in ${k.join()}`);
});

test('a truncated bundle is detected and named', () => {
  const bytes = readFileSync(bundlePath);
  for (const keep of [bytes.length - 10, Math.floor(bytes.length / 2), 100]) {
    const result = verifyBundle(bytes.subarray(0, keep));
    assert.equal(result.ok, false);
    assert.equal(result.problems[0]?.kind, 'bundle-truncated', `kept ${keep} bytes`);
    assert.match(result.problems[0]?.message ?? '', /truncated/);
  }
  // A second entry of the same name, which an unzip tool might show instead of the one verified.
  const doubled = Buffer.from(
    rezip((f) => {
      f['events.jsonx'] = bytesOf('{"seq":1}\n');
    }),
  );
  let at = doubled.indexOf('events.jsonx');
  while (at >= 0) {
    doubled.write('events.jsonl', at, 'latin1');
    at = doubled.indexOf('events.jsonx');
  }
  const twice = verifyBundle(doubled);
  assert.equal(twice.problems[0]?.kind, 'bundle-corrupt');
  assert.match(twice.problems[0]?.message ?? '', /events\.jsonl: the bundle holds two entries of that name/);
  const damaged = Buffer.from(bytes);
  damaged[200] = (damaged[200] as number) ^ 0xff; // inside the first compressed entry
  assert.equal(verifyBundle(damaged).ok, false);
});

test('the standalone verifier in the bundle runs with plain Node, outside the project', () => {
  const dir = join(home.dir, 'elsewhere');
  execFileSync('mkdir', ['-p', dir]);
  const files = unzipSync(readFileSync(bundlePath));
  writeFileSync(join(dir, 'verify-bundle.mjs'), files['verify-bundle.mjs'] as Uint8Array);
  writeFileSync(join(dir, 'bundle.zip'), readFileSync(bundlePath));
  const good = spawnSync(process.execPath, ['verify-bundle.mjs', 'bundle.zip', '--expect-key', keyId], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /^VALID/);
  const source = text(files['verify-bundle.mjs']);
  assert.ok(!/from '\.{1,2}\//.test(source), 'no import of project files');
  assert.deepEqual([...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]).sort(), [
    'node:crypto',
    'node:fs',
    'node:fs',
    'node:url',
    'node:zlib',
  ]);
  writeFileSync(
    join(dir, 'bad.zip'),
    rezip((f) => {
      f['events.jsonl'] = bytesOf(text(f['events.jsonl']).replace('user.create', 'user.creatE'));
    }),
  );
  const bad = spawnSync(process.execPath, ['verify-bundle.mjs', 'bad.zip', '--json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(bad.status, 3);
  const json = JSON.parse(bad.stdout) as { ok: boolean; problems: { kind: string }[] };
  assert.equal(json.ok, false);
  assert.ok(json.problems.some((p) => p.kind === 'hash-mismatch'));
});
