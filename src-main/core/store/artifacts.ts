import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AttestError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed files beside the database: a file's name is the SHA-256 of its bytes, so identical
 * artifacts are stored once and any alteration is detectable by re-hashing.
 */
export class ArtifactStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new AttestError('BAD_INPUT', `not a SHA-256 digest: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Writes through a temporary file and a rename, so a crash never leaves a half-written artifact. */
  put(bytes: Uint8Array): { sha256: string; size: number } {
    const sha256 = sha256Hex(bytes);
    const path = this.pathOf(sha256);
    if (!existsSync(path)) {
      mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      const temporary = `${path}.${randomBytes(4).toString('hex')}.partial`;
      writeFileSync(temporary, bytes, { flag: 'wx' });
      renameSync(temporary, path);
    }
    return { sha256, size: bytes.byteLength };
  }

  /** Only for undoing a put whose database transaction failed; stored artifacts are otherwise never removed. */
  remove(sha256: string): void {
    rmSync(this.pathOf(sha256), { force: true });
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  sizeOf(sha256: string): number {
    return statSync(this.pathOf(sha256)).size;
  }

  /** Reads and re-hashes, so that a silently altered file is never used as if it were the original. */
  get(sha256: string): Buffer {
    const path = this.pathOf(sha256);
    if (!existsSync(path))
      throw new AttestError('NOT_FOUND', `artifact ${sha256} is missing`, { file: path });
    const bytes = readFileSync(path);
    if (sha256Hex(bytes) !== sha256) {
      throw new AttestError('VERIFY_FAILED', `artifact content does not match its SHA-256 ${sha256}`, {
        file: path,
      });
    }
    return bytes;
  }

  /** Hash check without loading into the caller: used by the audit verifier. */
  verify(sha256: string): 'ok' | 'missing' | 'altered' {
    const path = this.pathOf(sha256);
    if (!existsSync(path)) return 'missing';
    return sha256Hex(readFileSync(path)) === sha256 ? 'ok' : 'altered';
  }
}
