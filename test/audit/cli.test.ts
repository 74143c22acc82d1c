import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { tempHome } from '../helpers/temp-home.js';
import { seedRecords } from './fixtures.js';
import { attest } from './cli-run.js';
import { keyFilePath } from '../../src-main/core/audit/installation-key.js';

test('the CLI: first administrator without signing in, accounts by an administrator, signing, export and bundle verification', async () => {
  const home = tempHome('audit-cli');
  const h = ['--home', home.dir];
  try {
    const ws = Workspace.open(home.dir);
    const ids = seedRecords(ws);
    ws.close();

    // First setup: no accounts yet, so the first administrator is made without --user.
    const first = await attest(
      [
        ...h,
        'users',
        'add',
        '--name',
        'alice',
        '--role',
        'administrator',
        '--printed-name',
        'Alice Admin',
        '--password-stdin',
        '--json',
      ],
      {
        stdin: 'admin-secret-1\n',
      },
    );
    assert.equal(first.code, 0, first.stderr);
    // Later accounts need an administrator, who gives both passwords on standard input: their own first, then the new one.
    const second = await attest(
      [
        ...h,
        '--user',
        'alice',
        'users',
        'add',
        '--name',
        'rita',
        '--role',
        'reviewer',
        '--printed-name',
        'Dr. Rita Reviewer',
        '--password-stdin',
        '--json',
      ],
      { stdin: 'admin-secret-1\nreviewer-secret-2\n' },
    );
    assert.equal(second.code, 0, second.stderr);
    const sign = await attest(
      [
        ...h,
        '--user',
        'rita',
        'sign',
        '--validation',
        ids.validationId,
        '--meaning',
        'approved',
        '--reason',
        'criteria met',
        '--json',
      ],
      {
        env: { ATTEST_PASSWORD: 'reviewer-secret-2' },
      },
    );
    assert.equal(sign.code, 0, sign.stderr);
    const signature = sign.json['signature'] as {
      printedName: string;
      recordSha256: string;
      meaning: string;
    };
    assert.equal(signature.printedName, 'Dr. Rita Reviewer');
    assert.match(signature.recordSha256, /^[0-9a-f]{64}$/);
    const installed = (JSON.parse(readFileSync(keyFilePath(home.dir), 'utf8')) as { keyId: string }).keyId;
    const verify = await attest([...h, 'audit', 'verify', '--expect-key', installed, '--json']);
    assert.equal(verify.code, 0, verify.stdout);
    assert.deepEqual(verify.json['signatures'], { count: 1, valid: 1 });
    assert.equal((verify.json['checkpoints'] as { eventsAfterLatest: number }).eventsAfterLatest, 0);

    const bundle = join(home.dir, 'export.zip');
    const exported = await attest(
      [
        ...h,
        '--user',
        'alice',
        '--reason',
        'design history file',
        'audit',
        'export',
        '--out',
        bundle,
        '--json',
      ],
      {
        env: { ATTEST_PASSWORD: 'admin-secret-1' },
      },
    );
    assert.equal(exported.code, 0, exported.stderr);
    const keyId = (exported.json['checkpoint'] as { keyId: string }).keyId;
    const files = unzipSync(readFileSync(bundle));
    const events = new TextDecoder().decode(files['events.jsonl']).split('\n');
    const exportEvent = JSON.parse(events.filter((l) => l.includes('"audit.export"'))[0] as string) as {
      actor: string;
      payload: { reason?: string };
    };
    assert.equal(exportEvent.actor, 'user:alice');
    assert.equal(exportEvent.payload.reason, 'design history file', 'the global --reason is in the event');
    [events[1], events[2]] = [events[2] as string, events[1] as string];
    files['events.jsonl'] = new TextEncoder().encode(events.join('\n'));
    writeFileSync(join(home.dir, 'swapped.zip'), zipSync(files));
    const [good, bad, signatures, otherKey] = await Promise.all([
      attest(['audit', 'verify', '--bundle', bundle, '--expect-key', keyId, '--json']),
      attest(['audit', 'verify', '--bundle', join(home.dir, 'swapped.zip')]),
      attest([...h, 'audit', 'signatures', '--record', ids.validationId, '--json']),
      attest([...h, 'audit', 'verify', '--expect-key', 'a'.repeat(64)]),
    ]);
    assert.equal(otherKey.code, 3);
    assert.match(otherKey.stdout, /no installation key of this trail has the expected fingerprint a{64}/);
    assert.deepEqual(
      (signatures.json['signatures'] as { meaning: string; printedName: string; status: string }[]).map(
        (s) => [s.meaning, s.printedName, s.status],
      ),
      [['approved', 'Dr. Rita Reviewer', 'valid']],
    );
    assert.equal(good.code, 0, good.stdout);
    assert.equal(good.json['ok'], true);
    assert.equal(bad.code, 3);
    assert.match(bad.stdout, /bundle NOT valid/);
    assert.match(bad.stdout, /events\.jsonl line 2 holds event 3, expected event 2/);
  } finally {
    home.cleanup();
  }
});
