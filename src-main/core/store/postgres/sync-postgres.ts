import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { threadExecArgv } from '../../util/thread-options.js';
import { AttestError } from '../../errors.js';
import { MIGRATIONS } from '../migrations/index.js';
import { primaryKeys, type TableKey } from './translate-migration.js';
import { toPostgresStatement, type PostgresStatement } from './translate-statement.js';
import type { WorkerReply, WorkerRequest } from './sync-protocol.js';

/*
 * The store code is synchronous better-sqlite3 throughout (prepare().run/get/all, exec, transaction(fn)). Rather
 * than rewrite every caller as async, the store on PostgreSQL is this synchronous stand-in for the part of
 * better-sqlite3's API the store uses: a worker thread owns the `pg` connection, and each call blocks in
 * Atomics.wait until the thread answers, as a better-sqlite3 call blocks on the disk. See ARCHITECTURE.md, "Site
 * store".
 */

/** How long one statement may take before the store gives up on the connection thread. */
const STATEMENT_WAIT_MS = 5 * 60_000;
const CONNECT_WAIT_MS = 30_000;

/** SQLSTATE classes and socket errors that mean the server is not there (rather than a refused statement). */
const UNREACHABLE =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|08|57P|3D000|28)/;

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** The address of a database URL without its password, for messages. */
export function postgresAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return 'an unreadable database URL';
  }
}

export class SyncPostgres {
  /** Which SQL the store speaks: read by the few places that differ (audit append lock, verifier). */
  readonly dialect = 'postgres';
  readonly name: string;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly keys: ReadonlyMap<string, TableKey> = primaryKeys(MIGRATIONS);
  private depth = 0;
  private closed = false;

  constructor(url: string) {
    this.name = postgresAddress(url);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./sync-worker.js', import.meta.url), {
      workerData: { url, flag: this.flag, port: port2 },
      transferList: [port2],
      execArgv: threadExecArgv(),
    });
    // The thread must not keep the process alive: the caller's close() ends it, and an exit ends it anyway.
    this.worker.unref();
    this.port.unref();
    try {
      this.call({ op: 'connect' });
    } catch (error) {
      void this.worker.terminate();
      throw error;
    }
  }

  get open(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  private call(request: WorkerRequest): { rows: Record<string, unknown>[]; rowCount: number } {
    if (this.closed) throw new Error(`the store at ${this.name} is closed`);
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    // Connecting is bounded by pg's own 10 s timeout; a thread that has not answered long after that did not start.
    const wait = request.op === 'connect' ? CONNECT_WAIT_MS : STATEMENT_WAIT_MS;
    if (Atomics.wait(this.flag, 0, 0, wait) === 'timed-out')
      throw new AttestError('INTERNAL', `PostgreSQL at ${this.name} did not answer within ${wait / 1000} s`);
    const message = receiveMessageOnPort(this.port)?.message as WorkerReply | undefined;
    if (message === undefined) throw new Error(`the connection thread for ${this.name} answered nothing`);
    if (message.error === undefined) return message;
    const { message: text, code, detail } = message.error;
    if (code !== undefined && UNREACHABLE.test(code))
      throw new AttestError('BAD_INPUT', `PostgreSQL at ${this.name} is not reachable: ${text} (${code})`);
    if (/connection|terminat|timeout/i.test(text) && code === undefined)
      throw new AttestError('BAD_INPUT', `PostgreSQL at ${this.name} is not reachable: ${text}`);
    const error = new Error(detail !== undefined ? `${text} (${detail})` : text) as Error & { code?: string };
    if (code !== undefined) error.code = code;
    throw error;
  }

  query(
    statement: PostgresStatement,
    params: unknown[],
  ): { rows: Record<string, unknown>[]; rowCount: number } {
    return this.call({
      op: 'query',
      text: statement.text,
      values: bindValues(statement, params),
      fresh: this.depth === 0,
    });
  }

  prepare(sql: string): SyncStatement {
    return new SyncStatement(this, toPostgresStatement(sql, this.keys));
  }

  exec(sql: string): this {
    // COMMIT and ROLLBACK run at depth 0 but end a transaction: they must never go to a new session.
    this.call({
      op: 'exec',
      text: sql,
      fresh: this.depth === 0 && !/^\s*(COMMIT|ROLLBACK|RELEASE)/i.test(sql),
    });
    return this;
  }

  /**
   * better-sqlite3's transaction(fn): BEGIN ... COMMIT, or ROLLBACK when fn throws; nested calls become
   * savepoints. `.immediate` / `.exclusive` / `.deferred` are the same here: PostgreSQL takes row locks as it
   * writes, and what must be serialised (the audit append, migrations) takes an advisory lock.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    const run = (...args: A): R => {
      const savepoint = this.depth > 0 ? `attest_sp${this.depth}` : undefined;
      this.exec(savepoint !== undefined ? `SAVEPOINT ${savepoint}` : 'BEGIN');
      this.depth++;
      let result: R;
      try {
        result = fn(...args);
        if (result instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
      } catch (error) {
        this.depth--;
        this.rollback(savepoint);
        throw error;
      }
      this.depth--;
      try {
        this.exec(savepoint !== undefined ? `RELEASE SAVEPOINT ${savepoint}` : 'COMMIT');
      } catch (error) {
        this.rollback(savepoint);
        throw error;
      }
      return result;
    };
    return Object.assign(run, { deferred: run, immediate: run, exclusive: run });
  }

  /** Rolls back after a failure; a lost connection has rolled back by itself on the server. */
  private rollback(savepoint: string | undefined): void {
    try {
      this.exec(
        savepoint !== undefined
          ? `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`
          : 'ROLLBACK',
      );
    } catch {
      // The first error is the one to report.
    }
  }

  /** Only the schema version has a PostgreSQL counterpart (the migration ledger); other pragmas are SQLite's. */
  pragma(source: string, options?: { simple?: boolean }): unknown {
    if (source.trim() !== 'user_version')
      throw new Error(`PRAGMA ${source} has no counterpart on PostgreSQL (${this.name})`);
    const row = this.prepare(
      'SELECT COALESCE(MAX(version), 0) AS user_version FROM schema_migrations',
    ).get() as {
      user_version: number;
    };
    return options?.simple === true ? row.user_version : [row];
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'close' });
    } catch {
      // A connection the server already ended has nothing left to close.
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }
}

export type Transaction<A extends unknown[], R> = ((...args: A) => R) & {
  deferred: (...args: A) => R;
  immediate: (...args: A) => R;
  exclusive: (...args: A) => R;
};

/** better-sqlite3 binds an object to @name parameters and anything else, flattened, to `?` in order. */
function bindValues(statement: PostgresStatement, params: unknown[]): unknown[] {
  const first = params[0];
  if (statement.names !== undefined) {
    if (params.length !== 1 || typeof first !== 'object' || first === null)
      throw new RangeError('a statement with @name parameters takes one object of values');
    const named = first as Record<string, unknown>;
    return statement.names.map((name) => {
      if (!(name in named)) throw new RangeError(`missing named parameter "${name}"`);
      return sqlValue(named[name]);
    });
  }
  const values = params.flatMap((p) => (Array.isArray(p) ? (p as unknown[]) : [p])).map(sqlValue);
  if (values.length !== statement.positional)
    throw new RangeError(`the statement takes ${statement.positional} values, ${values.length} given`);
  return values;
}

function sqlValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export class SyncStatement {
  constructor(
    private readonly db: SyncPostgres,
    readonly statement: PostgresStatement,
  ) {}

  run(...params: unknown[]): RunResult {
    const result = this.db.query(this.statement, params);
    const key = this.statement.returnsKey ? result.rows[0] : undefined;
    const id = key !== undefined ? Object.values(key)[0] : 0;
    return { changes: result.rowCount, lastInsertRowid: typeof id === 'number' ? id : Number(id) };
  }

  get(...params: unknown[]): unknown {
    return this.db.query(this.statement, params).rows[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.db.query(this.statement, params).rows;
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.all(...params)[Symbol.iterator]();
  }
}
