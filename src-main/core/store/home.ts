import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where Attest keeps its database and artifacts: --home, else ATTEST_HOME, else the operating system's
 * per-user application-data folder.
 */
export function resolveHome(explicit?: string): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const fromEnv = process.env['ATTEST_HOME'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const home = homedir();
  switch (process.platform) {
    case 'win32':
      return join(process.env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'Attest');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Attest');
    default:
      return join(process.env['XDG_DATA_HOME'] ?? join(home, '.local', 'share'), 'attest');
  }
}
