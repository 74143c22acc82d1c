import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * How the installation's private signing key is kept at rest. The key file always has 0600 permissions in a
 * 0700 folder; a protector adds a layer on top: the Electron shell passes one whose key is kept by `safeStorage`
 * (the OS keychain, DPAPI or libsecret), a lab server can use a passphrase, and the default relies on the file
 * permissions alone. The core never imports `electron`: the shell hands its `safeStorage` in.
 */
export interface KeyProtector {
  /** Written into the key file, so that a key is always opened by the protector that wrapped it. */
  readonly name: string;
  protect(secret: Buffer): Buffer;
  unprotect(wrapped: Buffer): Buffer;
}

/** No extra layer: the PKCS#8 bytes are stored as they are, readable only by the owner of the file. */
export const filePermissionProtector: KeyProtector = {
  name: 'file-permissions',
  protect: (secret) => Buffer.from(secret),
  unprotect: (wrapped) => Buffer.from(wrapped),
};

/** The part of Electron's `safeStorage` that is needed; duck-typed so that the core stays free of Electron. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** AES-256-GCM of `secret` under a 32-byte key: salt-free, since the key is random, not a passphrase. */
function sealGcm(key: Buffer, secret: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function openGcm(key: Buffer, wrapped: Buffer, failure: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12));
  decipher.setAuthTag(wrapped.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  } catch {
    throw new Error(failure);
  }
}

/**
 * Envelope protection for the desktop app. Electron's `safeStorage` exists only in the main process, while the
 * key is used in the engine's utility process and must be opened synchronously there; so the main process keeps
 * a random key-encryption key wrapped by `safeStorage` (see app/keychain-kek.ts), unwraps it at start and hands
 * it to the engine, which wraps the installation key with AES-256-GCM under it. Without the OS keychain's
 * secret the key file cannot be opened, even by a copy of the home folder.
 */
export const KEYCHAIN_PROTECTOR_NAME = 'os-keychain';

/** The environment variable that hands the unwrapped key-encryption key to the engine host at its start. */
export const KEK_ENVIRONMENT = 'ATTEST_KEYCHAIN_KEK';

export function keychainKekProtector(kek: Buffer): KeyProtector {
  if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
  const key = Buffer.from(kek);
  return {
    name: KEYCHAIN_PROTECTOR_NAME,
    protect: (secret) => sealGcm(key, secret),
    unprotect: (wrapped) =>
      openGcm(key, wrapped, "the operating system keychain's key does not open the installation key"),
  };
}

/** AES-256-GCM under a key derived with scrypt from a passphrase (ATTEST_KEY_PASSPHRASE for servers). */
export function passphraseProtector(passphrase: string): KeyProtector {
  const derive = (salt: Buffer): Buffer =>
    scryptSync(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20 });
  return {
    name: 'passphrase',
    protect(secret) {
      const salt = randomBytes(16);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', derive(salt), iv);
      const body = Buffer.concat([cipher.update(secret), cipher.final()]);
      return Buffer.concat([salt, iv, cipher.getAuthTag(), body]);
    },
    unprotect(wrapped) {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        derive(wrapped.subarray(0, 16)),
        wrapped.subarray(16, 28),
      );
      decipher.setAuthTag(wrapped.subarray(28, 44));
      try {
        return Buffer.concat([decipher.update(wrapped.subarray(44)), decipher.final()]);
      } catch {
        throw new Error('the passphrase does not open the installation key');
      }
    },
  };
}

/** The protector for this process: one set by the shell, else a passphrase from the environment, else files. */
let configured: KeyProtector | undefined;

export function setKeyProtector(protector: KeyProtector | undefined): void {
  configured = protector;
}

export function activeKeyProtector(): KeyProtector {
  if (configured !== undefined) return configured;
  const passphrase = process.env['ATTEST_KEY_PASSPHRASE'];
  return passphrase !== undefined && passphrase !== ''
    ? passphraseProtector(passphrase)
    : filePermissionProtector;
}
