/**
 * SQL text split into what may be rewritten (code) and what must never be (string literals, quoted
 * identifiers), so that a rewrite of `?` or `INTEGER` cannot reach into a message or a name. Line comments are
 * dropped: SQLite's and PostgreSQL's are the same, but an apostrophe in one ("the table's") would otherwise open
 * a string.
 */
export interface SqlPiece {
  kind: 'code' | 'string' | 'identifier';
  text: string;
}

export function splitSql(sql: string): SqlPiece[] {
  const pieces: SqlPiece[] = [];
  let code = '';
  let i = 0;
  const flush = (): void => {
    if (code !== '') pieces.push({ kind: 'code', text: code });
    code = '';
  };
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // A doubled quote inside is an escaped quote, in both dialects.
      let j = i + 1;
      for (;;) {
        const close = sql.indexOf(ch, j);
        if (close === -1)
          throw new Error(`unterminated ${ch === "'" ? 'string' : 'identifier'} in SQL: ${sql}`);
        if (sql[close + 1] === ch) {
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      flush();
      pieces.push({ kind: ch === "'" ? 'string' : 'identifier', text: sql.slice(i, j) });
      i = j;
      continue;
    }
    code += ch;
    i++;
  }
  flush();
  return pieces;
}

export function joinSql(pieces: readonly SqlPiece[]): string {
  return pieces.map((p) => p.text).join('');
}

/** Rewrites only the code pieces. */
export function mapCode(sql: string, rewrite: (code: string) => string): string {
  return joinSql(splitSql(sql).map((p) => (p.kind === 'code' ? { ...p, text: rewrite(p.text) } : p)));
}
