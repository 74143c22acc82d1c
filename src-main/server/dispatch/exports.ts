import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../../core/store/workspace.js';
import type { ExportView } from '../../contract/index.js';

/** Exported files (reports) live in the home, so that the browser can download them by name only. */
export function exportsDir(workspace: Workspace): string {
  return join(workspace.home, 'exports');
}

/** A name the server will hand out: plain file names, no path separators, no leading dot. */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(html|pdf|zip|json)$/;

export function listExports(workspace: Workspace): ExportView[] {
  const dir = exportsDir(workspace);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => EXPORT_NAME.test(name))
    .map((name) => {
      const stat = statSync(join(dir, name));
      return { name, bytes: stat.size, modifiedAt: stat.mtime.toISOString() };
    })
    .sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
}
