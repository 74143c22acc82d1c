import { mapCode } from './sql-text.js';
import type { TableKey } from './translate-migration.js';

/**
 * One statement of the store code, as PostgreSQL takes it: `?` and `@name` parameters become `$1, $2, ...`;
 * SQLite's `INSERT OR IGNORE` / `INSERT OR REPLACE` become `ON CONFLICT` on the table's primary key; NOCASE
 * becomes the ICU collation the migrations create; an insert into a table with an INTEGER PRIMARY KEY returns
 * the key, which is what better-sqlite3 reports as `lastInsertRowid`.
 */
export interface PostgresStatement {
  text: string;
  /** For named parameters: the name of each `$n`, in order. */
  names: string[] | undefined;
  /** How many positional parameters the statement takes. */
  positional: number;
  /** The statement returns the inserted row's key as its only column (see lastInsertRowid). */
  returnsKey: boolean;
}

const INSERT_OR = /^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*\(([^)]*)\)/i;
const INSERT = /^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)/i;

export function toPostgresStatement(sql: string, keys: ReadonlyMap<string, TableKey>): PostgresStatement {
  let positional = 0;
  const names: string[] = [];
  let text = mapCode(sql.trim().replace(/;\s*$/, ''), (code) =>
    code
      .replace(/\bCOLLATE\s+NOCASE\b/gi, 'COLLATE attest_nocase')
      .replace(/\?|@(\w+)/g, (_all, name: string | undefined) => {
        if (name === undefined) return `$${++positional}`;
        const at = names.indexOf(name);
        if (at >= 0) return `$${at + 1}`;
        names.push(name);
        return `$${names.length}`;
      }),
  );
  if (positional > 0 && names.length > 0)
    throw new Error(`a statement mixes ? and @name parameters, which PostgreSQL cannot number: ${sql}`);

  const conflict = INSERT_OR.exec(text);
  if (conflict !== null) {
    const [, mode, table = '', columnList = ''] = conflict;
    text = text.replace(/^\s*INSERT\s+OR\s+\w+\s+INTO/i, 'INSERT INTO');
    if (mode?.toUpperCase() === 'IGNORE') text += ' ON CONFLICT DO NOTHING';
    else {
      const key = keys.get(table);
      if (key === undefined)
        throw new Error(`INSERT OR REPLACE into ${table}, whose primary key is not known`);
      const columns = columnList.split(',').map((c) => c.trim());
      const updates = columns.filter((c) => !key.columns.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
      text +=
        updates.length > 0
          ? ` ON CONFLICT (${key.columns.join(', ')}) DO UPDATE SET ${updates.join(', ')}`
          : ` ON CONFLICT (${key.columns.join(', ')}) DO NOTHING`;
    }
  }
  const insert = INSERT.exec(text);
  const key = insert?.[1] !== undefined ? keys.get(insert[1]) : undefined;
  const returnsKey = key?.identity === true && !/\bRETURNING\b/i.test(text);
  if (returnsKey) text += ` RETURNING ${key.columns[0] ?? ''}`;
  return { text, names: names.length > 0 ? names : undefined, positional, returnsKey };
}
