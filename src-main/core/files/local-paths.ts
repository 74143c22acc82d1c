import { accessSync, constants, readdirSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse, win32 } from 'node:path';
import { badInput } from '../errors.js';

/**
 * The local disk as the import forms see it: a typed path checked as it is typed, and a folder listing for the
 * browser-mode picker. Only what the user running Attest can read is shown (the operating system decides), and
 * paths that could reach elsewhere than a local folder are refused with a reason rather than interpreted.
 */

export type EntryKind = 'file' | 'folder' | 'other';

export interface FolderEntry {
  name: string;
  path: string;
  kind: EntryKind;
  /** Bytes, for files; null for folders and what cannot be examined. */
  size: number | null;
  readable: boolean;
}

export interface FolderListing {
  path: string;
  parent: string | null;
  home: string;
  /** Where browsing can start: "/" on Linux and macOS, the drives on Windows. */
  roots: string[];
  entries: FolderEntry[];
  /** How many entries were left out past MAX_ENTRIES (a folder of 100,000 images is not listed in full). */
  omitted: number;
}

export type Expectation = 'file' | 'folder' | 'any';

export interface PathCheck {
  path: string;
  ok: boolean;
  kind: EntryKind | 'missing';
  /** For the form, beside the field: what is wrong, or what was found ("folder, 12 entries", "file, 4.1 MB"). */
  message: string;
}

/** Enough for any folder a person browses; a larger folder shows its first entries and says how many are left. */
export const MAX_ENTRIES = 2000;
const MAX_PATH_LENGTH = 4096;

/**
 * Why a path is refused before the disk is touched, or null. Relative paths would depend on where the server
 * was started; ".." hides where a path leads; UNC and device paths reach the network or raw devices.
 */
export function hostilePathReason(path: string): string | null {
  if (path.length === 0) return 'no path given';
  if (path.length > MAX_PATH_LENGTH) return `a path longer than ${MAX_PATH_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'the path contains control characters';
  if (/^[\\/]{2}/.test(path))
    return 'network (\\\\server\\share) and device paths are not browsed: copy the files to a local folder';
  if (!isAbsolute(path) && !win32.isAbsolute(path))
    return 'give the full path from the top of the disk (for example /data/mitdb or C:\\data\\mitdb)';
  if (path.split(/[\\/]/).includes('..')) return 'the path contains "..": give the folder itself';
  return null;
}

function requireSafe(path: string): string {
  const reason = hostilePathReason(path);
  if (reason !== null) throw badInput(`${path.slice(0, 200)}: ${reason}`);
  return path;
}

function kindOf(stats: Stats): EntryKind {
  return stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other';
}

function canRead(path: string, kind: EntryKind): boolean {
  try {
    // A folder must also be enterable to list what is in it.
    accessSync(path, kind === 'folder' ? constants.R_OK | constants.X_OK : constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile() && canRead(path, 'file');
  } catch {
    return false;
  }
}

function entryOf(folder: string, name: string): FolderEntry {
  const path = join(folder, name);
  try {
    // stat, not lstat: a link to a folder is browsed as the folder it leads to.
    const stats = statSync(path);
    const kind = kindOf(stats);
    return { name, path, kind, size: kind === 'file' ? stats.size : null, readable: canRead(path, kind) };
  } catch {
    return { name, path, kind: 'other', size: null, readable: false };
  }
}

function roots(): string[] {
  if (process.platform !== 'win32') return ['/'];
  const drives: string[] = [];
  for (let code = 67; code <= 90; code++) {
    const drive = `${String.fromCharCode(code)}:\\`;
    try {
      statSync(drive);
      drives.push(drive);
    } catch {
      // no such drive
    }
  }
  return drives;
}

/** The entries of a folder: folders first, then files, by name; hidden entries (".name") only when asked. */
export function listFolder(path: string | undefined, options: { hidden?: boolean } = {}): FolderListing {
  const folder = requireSafe(path ?? homedir());
  let stats: Stats;
  try {
    stats = statSync(folder);
  } catch {
    throw badInput(`${folder}: no such folder`);
  }
  if (!stats.isDirectory()) throw badInput(`${folder}: this is a file, not a folder`);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    throw badInput(`${folder}: this folder cannot be read by the user running Attest`);
  }
  const shown = names.filter((name) => options.hidden === true || !name.startsWith('.'));
  const order = (kind: EntryKind) => (kind === 'folder' ? 0 : kind === 'file' ? 1 : 2);
  const entries = shown
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }))
    .slice(0, MAX_ENTRIES)
    .map((name) => entryOf(folder, name))
    .sort((a, b) => order(a.kind) - order(b.kind));
  const parent = dirname(folder);
  return {
    path: folder,
    parent: parent === folder || parse(folder).root === folder ? null : parent,
    home: homedir(),
    roots: roots(),
    entries,
    omitted: Math.max(0, shown.length - MAX_ENTRIES),
  };
}

function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

function extensionOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/**
 * One typed path checked against what the field expects: exists, is a file or a folder, can be read, and (for
 * files) has one of the expected extensions. Never throws: the answer is a message for beside the field.
 */
export function checkPath(raw: string, expect: Expectation, extensions: readonly string[] = []): PathCheck {
  const path = raw.trim();
  const reason = hostilePathReason(path);
  if (reason !== null) return { path, ok: false, kind: 'missing', message: reason };
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    // A WFDB record is named without its extension (/data/mitdb/100 for 100.hea, 100.dat): found by its files.
    const named = extensions.find((e) => isReadableFile(`${path}${e}`));
    if (named !== undefined)
      return { path, ok: true, kind: 'file', message: `found as ${path.split(/[\\/]/).pop() ?? ''}${named}` };
    const parent = dirname(path);
    let parentExists = false;
    try {
      parentExists = statSync(parent).isDirectory();
    } catch {
      // the parent is missing too
    }
    return {
      path,
      ok: false,
      kind: 'missing',
      message: parentExists
        ? `nothing named “${path.split(/[\\/]/).pop() ?? path}” in ${parent}`
        : `no such ${expect === 'any' ? 'file or folder' : expect}`,
    };
  }
  const kind = kindOf(stats);
  if (kind === 'other') return { path, ok: false, kind, message: 'neither a file nor a folder' };
  if (expect !== 'any' && kind !== expect)
    return { path, ok: false, kind, message: `this is a ${kind}: give a ${expect}` };
  if (!canRead(path, kind))
    return { path, ok: false, kind, message: `this ${kind} cannot be read by the user running Attest` };
  const wanted = extensions.map((e) => e.toLowerCase());
  if (kind === 'file' && wanted.length > 0 && !wanted.includes(extensionOf(path)))
    return {
      path,
      ok: false,
      kind,
      message: `expected a ${wanted.join(', ')} file, not ${extensionOf(path) || 'a file without extension'}`,
    };
  if (kind === 'folder') {
    let count = 0;
    try {
      count = readdirSync(path).filter((n) => !n.startsWith('.')).length;
    } catch {
      // checked readable above; a race is reported as empty
    }
    return {
      path,
      ok: true,
      kind,
      message: count === 0 ? 'folder, empty' : `folder, ${count} ${count === 1 ? 'entry' : 'entries'}`,
    };
  }
  return { path, ok: true, kind, message: `file, ${describeSize(stats.size)}` };
}
