import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { appendAuditEvent } from '../../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { createCheckpoint, listCheckpoints } from '../../src-main/core/audit/checkpoint.js';
import { installationKey, keyFilePath } from '../../src-main/core/audit/installation-key.js';
import {
  passphraseProtector,
  keychainKekProtector,
  setKeyProtector,
} from '../../src-main/core/audit/key-protector.js';
import { computeEventHash } from '../../src-main/core/audit/event-hash.js';
import { checkConsistencySince, proveEventInclusion } from '../../src-main/core/audit/inclusion.js';
import { verifyInclusion } from '../../src-main/core/audit/merkle.js';
import { keychainKek } from '../../src-main/app/keychain-kek.js';
import { tempHome } from '../helpers/temp-home.js';

function seed(ws: Workspace, n: number): void {
  ws.db.transaction(() => {
    for (let i = 0; i < n; i++)
      appendAuditEvent(ws.db, { action: 'test.step', entityId: `e-${i}`, payload: { params: { i } } });
  })();
}

/**
 * Runs raw SQL on the file with the append-only triggers out of the way, as an attacker with file access would,
 * and puts them back afterwards (unless told not to) so that only the change itself is left to find.
 */
function tamper(home: string, sql: string, options: { restoreTriggers?: boolean } = {}): void {
  const raw = new Database(`${home}/attest.sqlite`);
  const triggers = raw
    .prepare(
      `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN
       ('audit_events_no_update', 'audit_events_no_delete', 'audit_keys_no_update', 'audit_checkpoints_no_update')`,
    )
    .all() as { sql: string }[];
  raw.exec(`DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;
    DROP TRIGGER IF EXISTS audit_keys_no_update; DROP TRIGGER IF EXISTS audit_checkpoints_no_update;`);
  raw.exec(sql);
  if (options.restoreTriggers !== false) for (const t of triggers) raw.exec(t.sql);
  raw.close();
}

function verifyAt(home: string): ReturnType<typeof verifyAuditTrail> {
  const ws = Workspace.open(home);
  try {
    return verifyAuditTrail(ws);
  } finally {
    ws.close();
  }
}

test('the installation key is created once, 0600 in a 0700 folder, announced in the trail; checkpoints verify', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    seed(ws, 4);
    const key = installationKey(ws);
    const path = keyFilePath(home.dir);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(`${home.dir}/keys`).mode & 0o777, 0o700);
    assert.equal(installationKey(ws).keyId, key.keyId, 'the same key on the next call');
    const first = createCheckpoint(ws);
    assert.equal(first.treeSize, 5, 'four events and the key announcement');
    assert.equal(createCheckpoint(ws).id, first.id, 'no new checkpoint when nothing happened');
    seed(ws, 2);
    const second = createCheckpoint(ws);
    assert.equal(second.treeSize, 7);
    const result = verifyAuditTrail(ws);
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.equal(result.checkpoints.count, 2);
    assert.equal(result.tree.root, second.rootHash);
    assert.deepEqual(result.keys, [key.keyId]);
    assert.deepEqual(result.warnings, []);
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('a deleted newest event, invisible to the chain alone, is caught by the signed checkpoint', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  installationKey(ws);
  seed(ws, 3);
  createCheckpoint(ws);
  ws.close();
  try {
    tamper(home.dir, 'DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)');
    const result = verifyAt(home.dir);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((p) => p.kind),
      ['checkpoint-beyond-log', 'witness-beyond-log'],
    );
    assert.match(result.problems[0]?.message ?? '', /signed 4 events but the log holds 3/);
  } finally {
    home.cleanup();
  }
});

test('a history rewritten with a recomputed chain no longer matches the signed tree head', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  seed(ws, 3);
  createCheckpoint(ws);
  ws.close();
  try {
    // Swap the actions of events 1 and 2 and recompute every hash, as a careful forger would.
    const raw = new Database(`${home.dir}/attest.sqlite`);
    raw.exec('DROP TRIGGER audit_events_no_update');
    raw.close();
    const again = Workspace.open(home.dir);
    const rows = again.db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Record<
      string,
      unknown
    >[];
    let prev = '0'.repeat(64);
    for (const row of rows) {
      const payload = JSON.parse(String(row['payload_json'])) as Record<string, unknown>;
      if (row['seq'] === 1) (payload['params'] as Record<string, unknown>)['i'] = 99;
      const event = {
        seq: row['seq'] as number,
        id: row['id'] as string,
        at: row['at'] as string,
        actor: row['actor'] as string,
        action: row['action'] as string,
        entityType: row['entity_type'] as string | null,
        entityId: row['entity_id'] as string | null,
        payload,
        prevHash: prev,
      };
      const hash = computeEventHash(event);
      again.db
        .prepare('UPDATE audit_events SET payload_json = ?, prev_hash = ?, hash = ? WHERE seq = ?')
        .run(JSON.stringify(payload), prev, hash, event.seq);
      prev = hash;
    }
    const result = verifyAuditTrail(again);
    again.close();
    assert.equal(result.ok, false);
    const kinds = result.problems.map((p) => p.kind);
    assert.ok(kinds.includes('checkpoint-root-mismatch'), kinds.join());
    assert.ok(
      !kinds.includes('hash-mismatch'),
      'the chain itself is consistent: only the signature catches it',
    );
  } finally {
    home.cleanup();
  }
});

test('a replaced key file, a replaced public key row and a forged checkpoint signature are each named', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  seed(ws, 2);
  createCheckpoint(ws);
  ws.close();
  try {
    const path = keyFilePath(home.dir);
    const original = readFileSync(path, 'utf8');
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    writeFileSync(path, JSON.stringify({ ...JSON.parse(original), publicKeyPem: other }));
    assert.deepEqual(
      verifyAt(home.dir).problems.map((p) => p.kind),
      ['key-file-mismatch'],
    );
    writeFileSync(path, original);
    tamper(home.dir, `UPDATE audit_keys SET public_key_pem = '${other}'`);
    const kinds = verifyAt(home.dir).problems.map((p) => p.kind);
    assert.ok(kinds.includes('key-not-announced'), kinds.join());
    assert.ok(kinds.includes('checkpoint-signature-invalid'), kinds.join());
  } finally {
    home.cleanup();
  }
});

test('a passphrase protector wraps the private key; the wrong passphrase cannot open it', () => {
  const home = tempHome();
  try {
    setKeyProtector(passphraseProtector('correct horse battery'));
    let ws = Workspace.open(home.dir);
    const key = installationKey(ws);
    ws.close();
    const file = JSON.parse(readFileSync(keyFilePath(home.dir), 'utf8')) as {
      protector: string;
      wrappedPkcs8: string;
    };
    assert.equal(file.protector, 'passphrase');
    setKeyProtector(passphraseProtector('wrong passphrase!'));
    ws = Workspace.open(home.dir);
    assert.throws(() => installationKey(ws), /passphrase does not open/);
    setKeyProtector(passphraseProtector('correct horse battery'));
    assert.equal(installationKey(ws).keyId, key.keyId);
    assert.equal(listCheckpoints(ws.db).length, 0);
    ws.close();
  } finally {
    setKeyProtector(undefined);
    home.cleanup();
  }
});

test('two events swapped in the database are named by the chain and by the signed tree head', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  installationKey(ws);
  seed(ws, 4);
  createCheckpoint(ws);
  ws.close();
  try {
    // Exchange everything but the sequence numbers of events 3 and 4.
    tamper(
      home.dir,
      `DROP TRIGGER IF EXISTS audit_events_no_update;
       UPDATE audit_events SET seq = -3 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4;
       UPDATE audit_events SET seq = 4 WHERE seq = -3;`,
    );
    const result = verifyAt(home.dir);
    const kinds = result.problems.map((p) => p.kind);
    assert.ok(kinds.includes('broken-link'), kinds.join());
    assert.ok(kinds.includes('hash-mismatch'), 'the seq is inside the hash');
    assert.ok(kinds.includes('checkpoint-root-mismatch'), kinds.join());
    assert.equal(result.problems[0]?.seq, 3, 'the first problem is at the first swapped place');
  } finally {
    home.cleanup();
  }
});

test('a key-encryption key kept by safeStorage wraps the signing key; none when the OS offers no encryption', () => {
  const home = tempHome();
  // An in-memory stand-in for Electron's safeStorage with a real cipher, to check the wiring: the key file must
  // hold only the wrapped bytes and be opened through decryptString.
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  let available = true;
  const storage = {
    isEncryptionAvailable: () => available,
    encryptString: (plain: string): Buffer => {
      const iv = Buffer.alloc(16, 7);
      const c = createCipheriv('aes-256-cbc', secret, iv);
      return Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    },
    decryptString: (data: Buffer): string => {
      const d = createDecipheriv('aes-256-cbc', secret, Buffer.alloc(16, 7));
      return Buffer.concat([d.update(data), d.final()]).toString('utf8');
    },
  };
  try {
    const keychain = keychainKek(storage, home.dir);
    assert.ok(keychain.kek !== undefined);
    assert.deepEqual(keychainKek(storage, home.dir).kek, keychain.kek, 'the same key at the next start');
    setKeyProtector(keychainKekProtector(keychain.kek));
    let ws = Workspace.open(home.dir);
    const key = installationKey(ws);
    ws.close();
    const file = JSON.parse(readFileSync(keyFilePath(home.dir), 'utf8')) as {
      protector: string;
      wrappedPkcs8: string;
    };
    assert.equal(file.protector, 'os-keychain');
    assert.throws(() =>
      createPrivateKey({ key: Buffer.from(file.wrappedPkcs8, 'base64'), format: 'der', type: 'pkcs8' }),
    );
    ws = Workspace.open(home.dir);
    assert.equal(installationKey(ws).keyId, key.keyId);
    ws.close();
    available = false;
    const other = tempHome();
    const without = keychainKek(storage, other.dir);
    assert.equal(without.kek, undefined);
    assert.match(without.kek === undefined ? without.reason : '', /no safe storage/);
    other.cleanup();
    setKeyProtector(undefined);
    const ws3 = Workspace.open(home.dir);
    assert.throws(() => installationKey(ws3), /protected by "os-keychain"/);
    ws3.close();
  } finally {
    setKeyProtector(undefined);
    home.cleanup();
  }
});

test('an event is proved in the signed tree by its audit path alone; a changed event is not', () => {
  const home = tempHome();
  const ws = Workspace.open(home.dir);
  try {
    seed(ws, 6);
    assert.throws(() => proveEventInclusion(ws, 2), /no signed checkpoint yet/);
    const cp = createCheckpoint(ws);
    seed(ws, 1);
    assert.throws(() => proveEventInclusion(ws, 8), /not covered by the latest checkpoint/);
    for (let seq = 1; seq <= cp.treeSize; seq++) {
      const proof = proveEventInclusion(ws, seq);
      const root = Buffer.from(proof.checkpoint.rootHash, 'hex');
      const path = proof.path.map((p) => Buffer.from(p, 'hex'));
      assert.ok(
        verifyInclusion(Buffer.from(proof.eventHash, 'hex'), proof.leafIndex, proof.treeSize, path, root),
      );
      const other = Buffer.from(proof.eventHash, 'hex');
      other[0] = (other[0] as number) ^ 1;
      assert.ok(!verifyInclusion(other, proof.leafIndex, proof.treeSize, path, root));
    }
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('an earlier checkpoint is proved a prefix of the trail; after a rewrite of history it no longer is', () => {
  const home = tempHome();
  let ws = Workspace.open(home.dir);
  seed(ws, 5);
  const earlier = createCheckpoint(ws);
  seed(ws, 4);
  createCheckpoint(ws);
  const check = checkConsistencySince(ws, earlier);
  assert.equal(check.ok, true, check.message);
  assert.match(check.message, /its 6 events are the first 6 of 10/);
  assert.equal(
    checkConsistencySince(ws, { ...earlier, rootHash: 'ab'.repeat(32) }).ok,
    false,
    'a forged head',
  );
  ws.close();
  try {
    // Rewrite event 2 and recompute the chain after it, as a careful forger with the database would.
    tamper(home.dir, 'SELECT 1', { restoreTriggers: false });
    ws = Workspace.open(home.dir);
    const rows = ws.db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Record<string, unknown>[];
    let prev = '0'.repeat(64);
    for (const row of rows) {
      const payload = JSON.parse(String(row['payload_json'])) as Record<string, unknown>;
      if (row['seq'] === 2) payload['params'] = { i: 42 };
      const event = {
        seq: row['seq'] as number,
        id: row['id'] as string,
        at: row['at'] as string,
        actor: row['actor'] as string,
        action: row['action'] as string,
        entityType: row['entity_type'] as string | null,
        entityId: row['entity_id'] as string | null,
        payload,
        prevHash: prev,
      };
      const hash = computeEventHash(event);
      ws.db
        .prepare('UPDATE audit_events SET payload_json = ?, prev_hash = ?, hash = ? WHERE seq = ?')
        .run(JSON.stringify(payload), prev, hash, event.seq);
      prev = hash;
    }
    const after = checkConsistencySince(ws, earlier);
    assert.equal(after.ok, false);
    assert.match(after.message, /not an extension of the checkpoint/);
    assert.throws(
      () => createCheckpoint(ws),
      /no longer matches signed checkpoint/,
      'and no new checkpoint launders it',
    );
    ws.close();
  } finally {
    home.cleanup();
  }
});
