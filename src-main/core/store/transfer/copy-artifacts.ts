import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { badInput } from '../../errors.js';
import type { ArtifactStore } from '../artifacts.js';

/*
 * The content-addressed files of one store copied into another before any record that names them is written
 * (so a move cut off half-way leaves at most unreferenced files, as a failed job does). Each file is hashed as
 * it is copied: one whose bytes no longer match its name is refused, never carried across as if it were sound.
 */

const SHA256_NAME = /^[0-9a-f]{64}$/;
const CHUNK = 4 * 1024 * 1024;

export interface ArtifactCopy {
  copied: number;
  alreadyThere: number;
  bytes: number;
}

/** Every artifact file of `source` (temporary files of cut-off writes left out). */
export function artifactNames(source: ArtifactStore): string[] {
  const names: string[] = [];
  for (const folder of readdirSync(source.dir)) {
    if (!/^[0-9a-f]{2}$/.test(folder)) continue;
    let files: string[];
    try {
      files = readdirSync(join(source.dir, folder));
    } catch {
      continue; // not a folder
    }
    for (const name of files) if (SHA256_NAME.test(name) && name.startsWith(folder)) names.push(name);
  }
  return names.sort();
}

function* chunksOf(path: string): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) return;
      // putParts writes each part before asking for the next, so the buffer can be reused.
      yield buffer.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
}

export function copyArtifacts(source: ArtifactStore, target: ArtifactStore): ArtifactCopy {
  const result: ArtifactCopy = { copied: 0, alreadyThere: 0, bytes: 0 };
  for (const sha256 of artifactNames(source)) {
    if (target.has(sha256) && target.verify(sha256) === 'ok') {
      result.alreadyThere++;
      continue;
    }
    const path = source.pathOf(sha256);
    const stored = target.putParts(chunksOf(path));
    if (stored.sha256 !== sha256) {
      if (!stored.existed) target.remove(stored.sha256);
      throw badInput(`the artifact's content no longer matches its SHA-256 name: it was altered`, path);
    }
    result.copied++;
    result.bytes += stored.size;
  }
  return result;
}
