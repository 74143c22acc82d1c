import { badInput } from '../core/errors.js';
import { Workspace } from '../core/store/workspace.js';

/*
 * Site mode (preview): `--store postgres://...` (or ATTEST_DATABASE_URL) opens the records in a site's
 * PostgreSQL instead of the home's SQLite file; the artifacts, keys and witness stay in the home folder. Every
 * command that works on the records runs there (the store code is the same on both dialects); the few below
 * are refused by name because they have a site option of their own or build a home of their own.
 */
const NOT_ON_SITE_STORE: Readonly<Record<string, string>> = {
  'site init': 'give the database with --database',
  demo: 'the demo builds a home of its own',
  bench: 'the benchmarks start services of their own',
};

/** Refuses, before anything runs, a command that does not run on a site store when one is given. */
export function checkRunsOnSiteStore(command: string, store: string | undefined): void {
  const refusal = NOT_ON_SITE_STORE[command];
  if (store !== undefined && refusal !== undefined)
    throw badInput(
      `attest ${command} does not run on a site store (${refusal}): run it without --store / ATTEST_DATABASE_URL`,
    );
}

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
  checkRunsOnSiteStore(command, store);
  return Workspace.openOnPostgres(store, home);
}
