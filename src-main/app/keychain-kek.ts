import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SafeStorageLike } from '../core/audit/key-protector.js';

export function kekFilePath(home: string): string {
  return join(home, 'keys', 'os-keychain-kek.bin');
}

/**
 * The key-encryption key that protects the installation's signing key in the desktop app (see
 * keychainKekProtector): 32 random bytes stored only as `safeStorage` ciphertext (the OS keychain, DPAPI or
 * libsecret), created on first start. Returns undefined, with the reason, when the OS offers no safe storage:
 * the key then stays protected by its file permissions alone, as on the command line.
 */
export function keychainKek(
  safeStorage: SafeStorageLike,
  home: string,
): { kek: Buffer } | { kek: undefined; reason: string } {
  if (!safeStorage.isEncryptionAvailable())
    return { kek: undefined, reason: 'the operating system offers no safe storage (keychain)' };
  const path = kekFilePath(home);
  if (existsSync(path)) {
    const kek = Buffer.from(safeStorage.decryptString(readFileSync(path)), 'base64');
    if (kek.length !== 32) throw new Error(`${path}: not a key-encryption key`);
    return { kek };
  }
  const kek = randomBytes(32);
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
  // Written aside and renamed: a crash cannot leave a truncated file that would lock the key out.
  const partial = `${path}.partial`;
  writeFileSync(partial, safeStorage.encryptString(kek.toString('base64')), { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, path);
  return { kek };
}
