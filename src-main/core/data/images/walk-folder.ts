import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { badInput } from '../../errors.js';

/**
 * Files under a folder, sorted, following symbolic links but refusing a link that leads back into a folder being
 * walked (a loop would never end). Hidden entries (".name") are skipped.
 */
export function walkFiles(root: string, accept: (path: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (dir: string, ancestors: string[]) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      throw badInput('cannot resolve this folder (a broken link?)', dir);
    }
    if (ancestors.includes(real))
      throw badInput(`symbolic link loop: this folder leads back to ${real}`, dir);
    const entries = readdirSync(dir)
      .filter((e) => !e.startsWith('.'))
      .sort();
    for (const entry of entries) {
      const path = join(dir, entry);
      let stat;
      try {
        stat = statSync(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') throw badInput('symbolic link loop', path);
        throw badInput(`cannot read (${code ?? String(error)})`, path);
      }
      if (stat.isDirectory()) visit(path, [...ancestors, real]);
      else if (stat.isFile() && accept(path)) out.push(path);
    }
  };
  visit(root, []);
  return out;
}
