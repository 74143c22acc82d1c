import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactStore } from './artifacts.js';
import { openDatabase, type Db } from './database.js';
import { resolveHome } from './home.js';

/** One Attest home: the SQLite file and the content-addressed artifacts beside it. */
export class Workspace {
  private constructor(
    readonly home: string,
    readonly db: Db,
    readonly artifacts: ArtifactStore,
  ) {}

  static open(home?: string): Workspace {
    const dir = resolveHome(home);
    mkdirSync(dir, { recursive: true });
    const db = openDatabase(join(dir, 'attest.sqlite'));
    return new Workspace(dir, db, new ArtifactStore(join(dir, 'artifacts')));
  }

  get databasePath(): string {
    return join(this.home, 'attest.sqlite');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
