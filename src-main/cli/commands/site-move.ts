import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import type { Output } from '../output.js';
import { badInput } from '../../core/errors.js';
import { Workspace } from '../../core/store/workspace.js';
import { moveStore, type StoreMove } from '../../core/audit/move-store.js';
import { siteStoreUrl } from '../site-store.js';

/*
 * `attest site export` and `attest site import`: a site's records (PostgreSQL) into a desktop home folder and a
 * desktop home into a site, with the artifacts and the audit trail (checkpoints, signatures, the signing key).
 * See core/audit/move-store.ts for the order that keeps a failure from leaving anything half-written.
 */

function requiredStore(store: string | undefined): string {
  const url = siteStoreUrl(store);
  if (url === undefined)
    throw badInput('option --store postgres://USER@HOST:PORT/DATABASE (or ATTEST_DATABASE_URL) is required');
  return url;
}

function report(out: Output, move: StoreMove): number {
  const rows = Object.values(move.records).reduce((a, b) => a + b, 0);
  out.result({ ok: move.target.ok, ...move }, () =>
    [
      `moved ${rows} records from ${move.from} to ${move.to}`,
      `  artifacts: ${move.artifacts.copied} copied (${move.artifacts.bytes} bytes), ${move.artifacts.alreadyThere} there already`,
      `  audit trail: ${move.head?.seq ?? 0} events, head ${move.head?.hash ?? '(empty)'}, ${move.checkpoints} checkpoints` +
        (move.keyCopied ? ', signing key copied' : ''),
      move.target.ok
        ? `  verified at the destination: ${move.target.events} events, same head`
        : `  VERIFICATION FAILED at the destination:\n${move.target.problems.map((p) => `    ${p}`).join('\n')}`,
      ...move.target.warnings.map((w) => `  warning: ${w}`),
    ].join('\n'),
  );
  return move.target.ok ? 0 : 3;
}

export const siteExportCommand: Command = {
  path: ['site', 'export'],
  usage: 'site export --store postgres://USER@HOST:PORT/DATABASE --out DIR [--home SITE_HOME] [--json]',
  summary:
    "Site mode: the site's records, artifacts and audit trail (checkpoints, signatures, signing key) into a new desktop home folder DIR; `attest audit verify --home DIR` then gives the site's chain head",
  async run({ options, out, home }) {
    const url = requiredStore(options.string('store'));
    const outDir = resolve(options.requiredString('out'));
    options.rejectUnknown();
    const existed = existsSync(outDir);
    if (existed && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0))
      throw badInput('the export goes into a new or empty folder, and this one is not empty', outDir);
    const site = Workspace.openOnPostgres(url, home);
    let target: Workspace | undefined;
    let done = false;
    try {
      target = Workspace.open(outDir);
      const code = report(out, moveStore(site, target));
      done = true;
      return code;
    } finally {
      target?.close();
      site.close();
      // Nothing half-written: a failed export leaves no folder (or the empty folder it was given).
      if (!done) {
        if (existed)
          for (const name of readdirSync(outDir))
            rmSync(join(outDir, name), { recursive: true, force: true });
        else rmSync(outDir, { recursive: true, force: true });
      }
    }
  },
};

export const siteImportCommand: Command = {
  path: ['site', 'import'],
  usage: 'site import --store postgres://USER@HOST:PORT/DATABASE --from HOME_DIR [--home SITE_HOME] [--json]',
  summary:
    "Site mode: a desktop home's records, artifacts and audit trail (checkpoints, signatures, signing key) into an empty site database (and the site's home folder for artifacts and key); refused if the site holds records already",
  async run({ options, out, home }) {
    const url = requiredStore(options.string('store'));
    const from = resolve(options.requiredString('from'));
    options.rejectUnknown();
    if (!existsSync(join(from, 'attest.sqlite')))
      throw badInput('not an Attest home folder (it has no attest.sqlite)', from);
    if (home !== undefined && resolve(home) === from)
      throw badInput('the site home (--home) must be another folder than the home imported (--from)', from);
    const source = Workspace.open(from);
    try {
      const site = Workspace.openOnPostgres(url, home);
      try {
        return report(out, moveStore(source, site));
      } finally {
        site.close();
      }
    } finally {
      source.close();
    }
  },
};
