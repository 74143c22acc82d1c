import { badInput } from '../core/errors.js';
import { Workspace } from '../core/store/workspace.js';

/*
 * Site mode (preview): `--store postgres://...` (or ATTEST_DATABASE_URL) opens the records in a site's
 * PostgreSQL instead of the home's SQLite file; the artifacts, keys and witness stay in the home folder. Only
 * the commands below have been run and tested on PostgreSQL; any other is refused by name rather than tried,
 * so that nothing is half-done on a store it was not tested against.
 */
export const SITE_STORE_COMMANDS: readonly string[] = [
  'audit verify',
  'audit log',
  'audit checkpoint',
  'audit signatures',
  'projects list',
  'projects add',
  'projects rename',
];

/** The site store's URL: --store, else ATTEST_DATABASE_URL, else undefined (the home's SQLite file). */
export function siteStoreUrl(option: string | undefined): string | undefined {
  const url = option ?? process.env['ATTEST_DATABASE_URL'];
  if (url === undefined || url === '') return undefined;
  checkPostgresUrl(url, option !== undefined ? '--store' : 'ATTEST_DATABASE_URL');
  return url;
}

/** Refuses anything but a postgres:// URL, without repeating it (it may hold a password). */
export function checkPostgresUrl(url: string, where: string): void {
  if (!/^postgres(ql)?:\/\/[^/]/.test(url))
    throw badInput(`${where} must be a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE)`);
}

/** Opens the home, or the home with its records on the site store when the command runs there. */
export function openWorkspace(
  home: string | undefined,
  store: string | undefined,
  command: string,
): Workspace {
  if (store === undefined) return Workspace.open(home);
  if (!SITE_STORE_COMMANDS.includes(command))
    throw badInput(
      `attest ${command} does not run on a site store yet (site mode preview: ${SITE_STORE_COMMANDS.join(', ')} do); ` +
        'run it without --store / ATTEST_DATABASE_URL',
    );
  return Workspace.openOnPostgres(store, home);
}
