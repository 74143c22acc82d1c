import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../store/workspace.js';
import { AttestError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { utcNow } from '../util/ids.js';
import { appendAuditEvent, osActor, signedInActor } from './log.js';
import {
  activeKeyProtector,
  filePermissionProtector,
  KEYCHAIN_PROTECTOR_NAME,
  passphraseProtector,
  type KeyProtector,
} from './key-protector.js';

/**
 * The Ed25519 key of this installation, which signs the audit checkpoints. The private key lives in
 * HOME/keys/installation-ed25519.json (0600, folder 0700), wrapped by the active key protector; the public
 * key is also in the database (audit_keys) and its fingerprint in the audit event that announced it, so that a
 * replaced key file is noticed.
 */
export interface InstallationKey {
  keyId: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

interface KeyFile {
  format: 'attest-installation-key/1';
  algorithm: 'ed25519';
  keyId: string;
  protector: string;
  wrappedPkcs8: string;
  publicKeyPem: string;
  createdAt: string;
}

export function keyFilePath(home: string): string {
  return join(home, 'keys', 'installation-ed25519.json');
}

/** The fingerprint: SHA-256 of the raw 32-byte Ed25519 public key, hex. */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  // SPKI for Ed25519 is a fixed 12-byte prefix followed by the raw key.
  return sha256Hex(der.subarray(der.length - 32));
}

function protectorFor(name: string): KeyProtector {
  const active = activeKeyProtector();
  if (active.name === name) return active;
  if (name === filePermissionProtector.name) return filePermissionProtector;
  if (name === 'passphrase') {
    const passphrase = process.env['ATTEST_KEY_PASSPHRASE'];
    if (passphrase !== undefined && passphrase !== '') return passphraseProtector(passphrase);
  }
  throw new AttestError(
    'BAD_INPUT',
    `the installation key is protected by "${name}", which is not available here` +
      (name === 'passphrase'
        ? ' (set ATTEST_KEY_PASSPHRASE)'
        : name === KEYCHAIN_PROTECTOR_NAME
          ? ' (it is opened with the operating system keychain by the desktop app: sign there)'
          : ''),
  );
}

/** Reads the installation key; creates it (and records it in the audit trail) the first time. */
export function installationKey(workspace: Workspace): InstallationKey {
  const path = keyFilePath(workspace.home);
  if (existsSync(path)) return readKey(workspace, path);
  return createKey(workspace, path);
}

function readKey(workspace: Workspace, path: string): InstallationKey {
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (error) {
    throw new AttestError(
      'BAD_INPUT',
      `the installation key file cannot be read: ${(error as Error).message}`,
      {
        file: path,
      },
    );
  }
  if (file.format !== 'attest-installation-key/1')
    throw new AttestError('BAD_INPUT', 'not an Attest installation key file', { file: path });
  let privateKey: KeyObject;
  try {
    const pkcs8 = protectorFor(file.protector).unprotect(Buffer.from(file.wrappedPkcs8, 'base64'));
    privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } catch (error) {
    if (error instanceof AttestError) throw error;
    throw new AttestError('BAD_INPUT', `the installation key cannot be opened: ${(error as Error).message}`, {
      file: path,
    });
  }
  const publicKeyPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  const keyId = keyIdOf(publicKeyPem);
  const known = workspace.db.prepare('SELECT key_id FROM audit_keys WHERE key_id = ?').get(keyId);
  if (known === undefined)
    throw new AttestError(
      'VERIFY_FAILED',
      `the installation key ${keyId.slice(0, 16)} is not the one recorded in this database: the key file was replaced`,
      { file: path },
    );
  return { keyId, publicKeyPem, privateKey };
}

function createKey(workspace: Workspace, path: string): InstallationKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const keyId = keyIdOf(publicKeyPem);
  const protector = activeKeyProtector();
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const createdAt = utcNow();
  const file: KeyFile = {
    format: 'attest-installation-key/1',
    algorithm: 'ed25519',
    keyId,
    protector: protector.name,
    wrappedPkcs8: protector.protect(pkcs8).toString('base64'),
    publicKeyPem,
    createdAt,
  };
  const dir = join(workspace.home, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // The file first ('wx': never overwrite a key), then the row and its audit event in one transaction; if that
  // fails the file is removed again, so that no key exists that the database does not know.
  try {
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new AttestError(
        'BAD_INPUT',
        'another Attest process is creating the installation key: try again',
        { file: path },
      );
    throw error;
  }
  chmodSync(path, 0o600);
  try {
    workspace.db.transaction(() => {
      workspace.db
        .prepare('INSERT INTO audit_keys (key_id, algorithm, public_key_pem, created_at) VALUES (?, ?, ?, ?)')
        .run(keyId, 'ed25519', publicKeyPem, createdAt);
      appendAuditEvent(workspace.db, {
        action: 'audit.key.create',
        entityType: 'key',
        entityId: keyId,
        // The key is the installation's, not a person's: made by whoever first needed a checkpoint.
        actor: signedInActor() ?? `system:${osActor()}`,
        payload: { result: { keyId, algorithm: 'ed25519', protector: protector.name, publicKeyPem } },
      });
    })();
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
  return { keyId, publicKeyPem, privateKey };
}

export function signBytes(key: InstallationKey, message: Uint8Array): string {
  return sign(null, message, key.privateKey).toString('base64');
}

export function verifyBytes(publicKeyPem: string, message: Uint8Array, signatureBase64: string): boolean {
  try {
    return verify(null, message, createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
