import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { Workspace } from '../../core/store/workspace.js';
import { installationKey, keyFilePath } from '../../core/audit/installation-key.js';
import { publicKeys } from '../../core/audit/checkpoint.js';
import { schemaVersion } from '../../core/store/database.js';
import { postgresAddress } from '../../core/store/postgres/sync-postgres.js';
import { checkPostgresUrl } from '../site-store.js';
import { existsSync } from 'node:fs';

export const siteInitCommand: Command = {
  path: ['site', 'init'],
  usage: 'site init --database postgres://USER@HOST:PORT/DATABASE [--json]',
  summary:
    "Site mode (preview): bring a PostgreSQL database to this Attest's schema (the same numbered migrations as a home) and create the site's signing key in this home (audited); running it again changes nothing",
  async run({ options, out, home }) {
    const url = options.requiredString('database');
    options.rejectUnknown();
    checkPostgresUrl(url, '--database');
    const workspace = Workspace.openOnPostgres(url, home);
    try {
      const keys = publicKeys(workspace.db);
      // One signing key per site: a second home must not add its own beside the one that signs the checkpoints.
      if (!existsSync(keyFilePath(workspace.home)) && keys.size > 0)
        throw badInput(
          `the site database at ${postgresAddress(url)} has its signing key already (${[...keys.keys()].join(', ')}); ` +
            'its private key is in the home that initialised the site',
        );
      const key = installationKey(workspace);
      const result = {
        database: postgresAddress(url),
        schemaVersion: schemaVersion(workspace.db),
        keyId: key.keyId,
        keyFile: keyFilePath(workspace.home),
      };
      out.result(result, () =>
        [
          `site store ready at ${result.database} (schema version ${result.schemaVersion})`,
          `  site signing key ${result.keyId}`,
          `  private key in ${result.keyFile}`,
        ].join('\n'),
      );
    } finally {
      workspace.close();
    }
  },
};
