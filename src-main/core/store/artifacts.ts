import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  existsSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { AttestError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import { isRecordingProcess } from '../util/process-identity.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** A temporary file of put(): DIGEST.PID.RANDOM.partial (older versions wrote DIGEST.RANDOM.partial). */
const PARTIAL = /^[0-9a-f]{64}\.(?:(\d+)\.)?[0-9a-f]+\.partial$/;

/** A partial file without a process id is taken as abandoned once it is this old. */
const ANONYMOUS_PARTIAL_MS = 10 * 60_000;

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

  private swept = false;

  /**
   * Writes through a temporary file and a rename, so a crash never leaves a half-written artifact. The
   * temporary file carries the writer's process id: the first write of a store removes those whose writer is
   * gone (a kill during a write), and never those of a process still writing.
   */
  put(bytes: Uint8Array): { sha256: string; size: number } {
    if (!this.swept) this.removeLeftovers();
    const sha256 = sha256Hex(bytes);
    const path = this.pathOf(sha256);
    if (!existsSync(path)) {
      mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
      writeFileSync(temporary, bytes, { flag: 'wx' });
      renameSync(temporary, path);
    }
    return { sha256, size: bytes.byteLength };
  }

  /**
   * put() for bytes that come in parts (a large dataset bundle): each part is hashed and written as it comes, so
   * the whole artifact is never joined in memory. The temporary file's name is random until the digest is known
   * (a kill leaves a .partial that the next write removes, as for put()). `existed` says whether an identical
   * artifact was already stored, so a caller undoing a failed transaction knows not to remove it.
   */
  putParts(parts: Iterable<Uint8Array>): { sha256: string; size: number; existed: boolean } {
    if (!this.swept) this.removeLeftovers();
    const placeholder = randomBytes(32).toString('hex');
    mkdirSync(join(this.dir, placeholder.slice(0, 2)), { recursive: true });
    const temporary = join(
      this.dir,
      placeholder.slice(0, 2),
      `${placeholder}.${process.pid}.${randomBytes(4).toString('hex')}.partial`,
    );
    const hash = createHash('sha256');
    let size = 0;
    const fd = openSync(temporary, 'wx');
    try {
      for (const part of parts) {
        hash.update(part);
        let written = 0;
        while (written < part.byteLength) written += writeSync(fd, part, written, part.byteLength - written);
        size += part.byteLength;
      }
    } catch (error) {
      closeSync(fd);
      rmSync(temporary, { force: true });
      throw error;
    }
    closeSync(fd);
    const sha256 = hash.digest('hex');
    const path = this.pathOf(sha256);
    const existed = existsSync(path);
    if (existed) rmSync(temporary, { force: true });
    else {
      mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      renameSync(temporary, path);
    }
    return { sha256, size, existed };
  }

  /** Removes the temporary files of writes cut off by a crash or a kill; returns their names. */
  removeLeftovers(): string[] {
    this.swept = true;
    const removed: string[] = [];
    for (const folder of readdirSync(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(folder)) continue;
      let names: string[];
      try {
        names = readdirSync(join(this.dir, folder));
      } catch {
        continue; // not a folder
      }
      for (const name of names) {
        const match = PARTIAL.exec(name);
        if (match === null) continue;
        const path = join(this.dir, folder, name);
        let modified: number;
        try {
          modified = statSync(path).mtimeMs;
        } catch {
          continue; // renamed by its writer meanwhile
        }
        const pid = match[1] !== undefined ? Number(match[1]) : undefined;
        const abandoned =
          pid !== undefined
            ? pid !== process.pid && !isRecordingProcess(pid, modified)
            : Date.now() - modified > ANONYMOUS_PARTIAL_MS;
        if (!abandoned) continue;
        rmSync(path, { force: true });
        removed.push(name);
      }
    }
    return removed;
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
