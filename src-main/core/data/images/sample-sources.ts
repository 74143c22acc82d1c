import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { isImagePath } from './read-image.js';
import { walkFiles } from './walk-folder.js';

/** One labelled image to import, before it is read. */
export interface ImageSource {
  path: string;
  label: string;
  /** Patient, study or flight named by the user's metadata (a DICOM file may add its own at read time). */
  group?: string;
}

/** Class-per-folder layout: ROOT/CLASS/.../image. Several roots merge their classes. */
export function classFolderSources(
  roots: string[],
  accept: (path: string) => boolean = isImagePath,
): ImageSource[] {
  const sources: ImageSource[] = [];
  for (const root of roots.map((r) => resolve(r))) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw badInput('no such folder', root);
    const classes = readdirSync(root)
      .filter((e) => !e.startsWith('.') && statSync(join(root, e)).isDirectory())
      .sort();
    if (classes.length === 0) throw badInput('holds no class folder (expected ROOT/CLASS/image files)', root);
    for (const label of classes)
      for (const path of walkFiles(join(root, label), accept)) sources.push({ path, label });
  }
  if (sources.length === 0) throw badInput(`no image file under ${roots.join(', ')}`);
  return sources;
}

/** Splits one CSV line, honouring double quotes. */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** A CSV of file,label[,group]; a header row naming "file" is skipped; paths are relative to the CSV's folder. */
export function csvSources(csvPath: string): ImageSource[] {
  const full = resolve(csvPath);
  if (!existsSync(full)) throw badInput('no such file', full);
  const lines = readFileSync(full, 'utf8').split(/\r?\n/);
  const sources: ImageSource[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = csvCells(line);
    if (i === 0 && /^(file|path|filename|image)$/i.test(cells[0] ?? '')) return;
    if (cells.length < 2 || cells.length > 3 || cells[0] === '' || cells[1] === '')
      throw badInput(`line ${i + 1}: expected file,label[,patient], got "${line}"`, full);
    const file = cells[0] as string;
    const path = isAbsolute(file) ? file : join(dirname(full), file);
    sources.push({ path, label: cells[1] as string, ...(cells[2] ? { group: cells[2] } : {}) });
  });
  if (sources.length === 0) throw badInput('lists no image', full);
  return sources;
}

/** A short display name for a source (its path under the nearest folder), for messages and provenance. */
export function sourceName(path: string): string {
  return `${basename(dirname(path))}/${basename(path)}`;
}
