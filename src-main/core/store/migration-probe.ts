import type Database from 'better-sqlite3';
import { AttestError } from '../errors.js';
import type { Migration } from './migrations/index.js';

type Db = Database.Database;

/** What a migration's SQL leaves behind that can be looked for: created objects and added columns. */
interface Footprint {
  objects: string[];
  columns: { table: string; column: string }[];
}

const NAME = String.raw`["\`\[]?(\w+)["\`\]]?`;

export function migrationFootprint(sql: string): Footprint {
  // Comments could name objects that are not created; leave them out before looking.
  const code = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const created = new RegExp(
    String.raw`CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`,
    'gi',
  );
  const added = new RegExp(String.raw`ALTER\s+TABLE\s+${NAME}\s+ADD\s+(?:COLUMN\s+)?${NAME}`, 'gi');
  return {
    objects: [...code.matchAll(created)].map((m) => m[1] as string),
    columns: [...code.matchAll(added)].map((m) => ({ table: m[1] as string, column: m[2] as string })),
  };
}

function present(db: Db, footprint: Footprint): boolean[] {
  const object = db.prepare('SELECT 1 FROM sqlite_master WHERE name = ? COLLATE NOCASE');
  const columns = (table: string) =>
    (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((c) =>
      c.name.toLowerCase(),
    );
  return [
    ...footprint.objects.map((name) => object.get(name) !== undefined),
    ...footprint.columns.map((c) => columns(c.table).includes(c.column.toLowerCase())),
  ];
}

/**
 * The migrations a database from before the migration ledger has had. The old runner applied only versions
 * above `user_version`, so a migration numbered below one that landed first (0020 after 0030) may be missing
 * even though the version says otherwise: each migration at or below the version counts as applied only when
 * everything it creates is there. Migrations run in one transaction, so a part of one means a damaged file.
 */
export function legacyAppliedVersions(
  db: Db,
  migrations: readonly Migration[],
  userVersion: number,
): Set<number> {
  const applied = new Set<number>();
  for (const migration of migrations) {
    if (migration.version > userVersion) continue;
    const found = present(db, migrationFootprint(migration.sql));
    if (found.every(Boolean)) applied.add(migration.version);
    else if (found.some(Boolean))
      throw new AttestError(
        'BAD_INPUT',
        `the database holds only part of migration ${migration.version} (${migration.name}); restore it from a backup`,
      );
  }
  return applied;
}
