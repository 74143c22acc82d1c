import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { badInput } from '../../errors.js';

/*
 * A home folder as one file (`attest site export --out FILE.tar`, `site import --from FILE.tar`): a plain POSIX
 * tar (ustar) of its regular files, written and read in chunks so that large artifacts never sit whole in
 * memory. No compression: the artifacts are packed tensors that barely compress. Read back, only plain relative
 * names of regular files are accepted, so an archive cannot write outside the folder it is unpacked into.
 */

const BLOCK = 512;
const CHUNK = 4 * 1024 * 1024;
/** Names a home holds: attest.sqlite, artifacts/ab/<sha-256>, keys/installation-ed25519.json. */
const SAFE_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const MAX_SIZE = 8 ** 11 - 1;

function filesUnder(dir: string, prefix = ''): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) names.push(...filesUnder(dir, name));
    else if (entry.isFile()) names.push(name);
  }
  return names.sort();
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode & 0o777, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** Writes the files of `dir` into the tar `file` (through a temporary name, so a cut-off write leaves no file). */
export function packHome(dir: string, file: string): { files: number; bytes: number } {
  const partial = `${file}.${process.pid}.partial`;
  const out = openSync(partial, 'wx', 0o600);
  let files = 0;
  let bytes = 0;
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (const name of filesUnder(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (Buffer.byteLength(name) > 100 || stat.size > MAX_SIZE)
        throw badInput(`cannot be put in the archive (name or size too large for tar)`, path);
      writeSync(out, header(name, stat.size, stat.mode, stat.mtimeMs));
      const input = openSync(path, 'r');
      try {
        let left = stat.size;
        while (left > 0) {
          const read = readSync(input, buffer, 0, Math.min(CHUNK, left), null);
          if (read === 0) throw badInput('the file shrank while it was being archived', path);
          writeSync(out, buffer, 0, read);
          left -= read;
        }
      } finally {
        closeSync(input);
      }
      const padding = (BLOCK - (stat.size % BLOCK)) % BLOCK;
      if (padding > 0) writeSync(out, Buffer.alloc(padding));
      files++;
      bytes += stat.size;
    }
    writeSync(out, Buffer.alloc(2 * BLOCK));
    closeSync(out);
    renameSync(partial, file);
    return { files, bytes };
  } catch (error) {
    try {
      closeSync(out);
    } catch {
      // closed already
    }
    rmSync(partial, { force: true });
    throw error;
  }
}

function readExactly(fd: number, buffer: Buffer, length: number, file: string): void {
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, null);
    if (read === 0) throw badInput('the archive ends in the middle of a file: it is truncated', file);
    done += read;
  }
}

/** Unpacks the tar `file` into the empty folder `dir`; refuses anything but plain relative regular files. */
export function unpackHome(file: string, dir: string): { files: number } {
  const input = openSync(file, 'r');
  let files = 0;
  try {
    const block = Buffer.alloc(BLOCK);
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      readExactly(input, block, BLOCK, file);
      if (block.every((byte) => byte === 0)) return { files };
      const stored = parseInt(block.toString('ascii', 148, 156).replace(/[\0 ]/g, ''), 8);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
      if (block.toString('ascii', 257, 262) !== 'ustar' || stored !== sum)
        throw badInput('not an Attest home archive (no tar header where one should be)', file);
      const prefix = block.toString('utf8', 345, 500).replace(/\0.*$/s, '');
      const base = block.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const name = prefix !== '' ? `${prefix}/${base}` : base;
      const type = block.toString('ascii', 156, 157);
      const size = parseInt(block.toString('ascii', 124, 136).replace(/[\0 ]/g, '') || '0', 8);
      const mode = parseInt(block.toString('ascii', 100, 108).replace(/[\0 ]/g, '') || '600', 8);
      if (type === '5') continue;
      if ((type !== '0' && type !== '\0') || !SAFE_NAME.test(name) || name.split('/').includes('..'))
        throw badInput(
          `the archive holds "${name.slice(0, 120)}", which is not a file of an Attest home`,
          file,
        );
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      let out: number;
      try {
        out = openSync(path, 'wx', mode & 0o700);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw badInput(`the archive holds "${name}" twice`, file);
        throw error;
      }
      try {
        let left = size;
        while (left > 0) {
          const length = Math.min(CHUNK, left);
          readExactly(input, buffer, length, file);
          writeSync(out, buffer, 0, length);
          left -= length;
        }
      } finally {
        closeSync(out);
      }
      const padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (padding > 0) readExactly(input, block, padding, file);
      files++;
    }
  } finally {
    closeSync(input);
  }
}
