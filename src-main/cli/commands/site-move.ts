import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '../command.js';
import type { Output } from '../output.js';
import { badInput } from '../../core/errors.js';
import { Workspace } from '../../core/store/workspace.js';
import { moveStore, type StoreMove } from '../../core/audit/move-store.js';
import { siteStoreUrl } from '../site-store.js';
import { packHome, unpackHome } from '../../core/store/transfer/home-archive.js';
import { witnessPath } from '../../core/audit/witness.js';

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

function report(out: Output, move: StoreMove & { archive?: { files: number; bytes: number } }): number {
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

/** Moves the site into `dir` (new or empty); on failure the folder is left as it was found. */
function exportInto(url: string, home: string | undefined, dir: string): StoreMove {
  const existed = existsSync(dir);
  if (existed && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    throw badInput('the export goes into a new or empty folder, and this one is not empty', dir);
  const site = Workspace.openOnPostgres(url, home);
  let target: Workspace | undefined;
  let done = false;
  try {
    target = Workspace.open(dir);
    const move = moveStore(site, target);
    done = true;
    return move;
  } finally {
    target?.close();
    site.close();
    // Nothing half-written: a failed export leaves no folder (or the empty folder it was given).
    if (!done) {
      if (existed)
        for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      else rmSync(dir, { recursive: true, force: true });
    }
  }
}

export const siteExportCommand: Command = {
  path: ['site', 'export'],
  usage:
    'site export --store postgres://USER@HOST:PORT/DATABASE --out DIR|FILE.tar [--home SITE_HOME] [--json]',
  summary:
    "Site mode: the site's records, artifacts and audit trail (checkpoints, signatures, signing key) into a new desktop home folder DIR (or one FILE.tar of it); `attest audit verify --home DIR` then gives the site's chain head",
  async run({ options, out, home }) {
    const url = requiredStore(options.string('store'));
    const outPath = resolve(options.requiredString('out'));
    options.rejectUnknown();
    if (!outPath.endsWith('.tar')) return report(out, exportInto(url, home, outPath));
    if (existsSync(outPath)) throw badInput('the export file exists already: give a new name', outPath);
    // The home is built beside the file, packed, and removed (with the witness it was given).
    const folder = mkdtempSync(join(dirname(outPath), '.attest-export-'));
    try {
      const move = exportInto(url, home, folder);
      const archive = packHome(folder, outPath);
      return report(out, { ...move, to: outPath, archive });
    } finally {
      // The witness is named after the folder's real path: found while the folder is still there.
      rmSync(witnessPath(folder), { force: true });
      rmSync(folder, { recursive: true, force: true });
    }
  },
};

export const siteImportCommand: Command = {
  path: ['site', 'import'],
  usage:
    'site import --store postgres://USER@HOST:PORT/DATABASE --from HOME_DIR|FILE.tar [--home SITE_HOME] [--json]',
  summary:
    "Site mode: a desktop home's records, artifacts and audit trail (checkpoints, signatures, signing key) into an empty site database (and the site's home folder for artifacts and key); refused if the site holds records already",
  async run({ options, out, home }) {
    const url = requiredStore(options.string('store'));
    const given = resolve(options.requiredString('from'));
    options.rejectUnknown();
    if (!existsSync(given)) throw badInput('there is no such folder or file', given);
    // An archive (site export --out FILE.tar) is unpacked into a scratch folder and imported from there.
    const unpacked = statSync(given).isFile() ? mkdtempSync(join(tmpdir(), 'attest-import-')) : undefined;
    try {
      if (unpacked !== undefined) unpackHome(given, unpacked);
      const from = unpacked ?? given;
      if (!existsSync(join(from, 'attest.sqlite')))
        throw badInput('not an Attest home (it has no attest.sqlite)', given);
      if (home !== undefined && resolve(home) === from)
        throw badInput('the site home (--home) must be another folder than the home imported (--from)', from);
      const source = Workspace.open(from);
      try {
        const site = Workspace.openOnPostgres(url, home);
        try {
          return report(out, { ...moveStore(source, site), from: given });
        } finally {
          site.close();
        }
      } finally {
        source.close();
      }
    } finally {
      if (unpacked !== undefined) rmSync(unpacked, { recursive: true, force: true });
    }
  },
};
