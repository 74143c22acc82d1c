import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * How the installation's private signing key is kept at rest. The key file always has 0600 permissions in a
 * 0700 folder; a protector adds a layer on top: the Electron shell passes one backed by `safeStorage` (the OS
 * keychain, DPAPI or libsecret), a lab server can use a passphrase, and the default relies on the file
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

export function safeStorageProtector(safeStorage: SafeStorageLike): KeyProtector {
  return {
    name: 'electron-safe-storage',
    protect(secret) {
      if (!safeStorage.isEncryptionAvailable())
        throw new Error('the operating system offers no safe storage to protect the installation key');
      return safeStorage.encryptString(secret.toString('base64'));
    },
    unprotect(wrapped) {
      return Buffer.from(safeStorage.decryptString(wrapped), 'base64');
    },
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
