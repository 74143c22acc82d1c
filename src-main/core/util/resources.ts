import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of bundled resources (sample records, noise records): `resources/` at the package root when run
 * from a checkout or an npm install, or Electron's resources folder in a packaged app.
 */
export function resourcesDir(): string {
  const candidates = [
    fileURLToPath(new URL('../../../../resources', import.meta.url)),
    fileURLToPath(new URL('../../../resources', import.meta.url)),
  ];
  const electronResources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (electronResources !== undefined) candidates.unshift(join(electronResources, 'resources'));
  const found = candidates.find((dir) => existsSync(join(dir, 'mitdb')));
  if (found === undefined)
    throw new Error(`bundled resources not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function resourcePath(...parts: string[]): string {
  return join(resourcesDir(), ...parts);
}
