import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactStore } from './artifacts.js';
import { openDatabase, type Db } from './database.js';
import { resolveHome } from './home.js';
import { openPostgresStore } from './postgres/migrate-postgres.js';
import { postgresAddress } from './postgres/sync-postgres.js';

/** One Attest home: the SQLite file and the content-addressed artifacts beside it. */
export class Workspace {
  private constructor(
    readonly home: string,
    readonly db: Db,
    readonly artifacts: ArtifactStore,
    /** The PostgreSQL URL when the store is a site's (preview); undefined for the home's SQLite file. */
    readonly databaseUrl?: string,
  ) {}

  static open(home?: string): Workspace {
    const dir = resolveHome(home);
    mkdirSync(dir, { recursive: true });
    const db = openDatabase(join(dir, 'attest.sqlite'));
    return new Workspace(dir, db, new ArtifactStore(join(dir, 'artifacts')));
  }

  /**
   * Site mode (preview): the records in PostgreSQL at `url`, migrated to this Attest's schema; the keys and
   * checkpoint witness stay in the home folder, the artifacts too unless `artifactsDir` names the site's shared
   * folder (content-addressed, so every server and worker may write to it at once).
   */
  static openOnPostgres(url: string, home?: string, artifactsDir?: string): Workspace {
    const dir = resolveHome(home);
    mkdirSync(dir, { recursive: true });
    const db = openPostgresStore(url);
    return new Workspace(dir, db, new ArtifactStore(artifactsDir ?? join(dir, 'artifacts')), url);
  }

  /** The SQLite file, or the PostgreSQL address (without its password) for a site store. */
  get databasePath(): string {
    if (this.databaseUrl !== undefined) return `postgres://${postgresAddress(this.databaseUrl)}`;
    return join(this.home, 'attest.sqlite');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
