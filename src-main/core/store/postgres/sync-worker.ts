import { workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { WorkerReply, WorkerRequest } from './sync-protocol.js';

/*
 * The thread that owns the PostgreSQL connection of one SyncPostgres. It answers one request at a time on its
 * port, then wakes the caller, which is blocked in Atomics.wait on the shared flag. One connection per store:
 * a transaction's statements all run on it, in order.
 */

const { url, flag, port } = workerData as { url: string; flag: Int32Array; port: MessagePort };

// Numbers as SQLite gives them: BIGINT (COUNT, INTEGER columns) and NUMERIC (SUM, AVG) as JavaScript numbers,
// booleans (comparisons in a SELECT list) as 1 and 0.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.BOOL, (v) => (v === 't' ? 1 : 0));

let lost: Error | undefined;
function newClient(): pg.Client {
  // Three attempts of at most 8 s stay within the 30 s the caller waits for the connection.
  const made = new pg.Client({ connectionString: url, connectionTimeoutMillis: 8_000 });
  // A connection dropped while idle is reported on the next request, not as a crash of the thread.
  made.on('error', (error) => (lost = error));
  // A session ended while a statement ran fails that statement, and may say no more than 'end'.
  made.on('end', () => (lost ??= new Error('Connection terminated')));
  return made;
}

let client = newClient();

/**
 * A new session in place of a lost one: the server rolled back whatever the old one had open. Until it
 * connects, the connection stays lost (PostgreSQL still away: the next request tries again).
 */
async function reconnect(): Promise<void> {
  await client.end().catch(() => undefined);
  const fresh = newClient();
  await fresh.connect();
  client = fresh;
  lost = undefined;
}

/**
 * A server that is restarting, or a network that drops the first packets, is tried again a bounded number of
 * times (CONNECT_DELAYS_MS: about 1.5 s in all) before the store is reported unreachable; a refused password or
 * a missing database is not retried (it will not heal by waiting). Only the connection is retried: a statement
 * cut off inside a transaction is not, since PostgreSQL has rolled that transaction back and only its caller
 * can decide to run it again.
 */
const CONNECT_DELAYS_MS = [500, 1000];

async function connectWithRetry(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      return;
    } catch (error) {
      const delay = CONNECT_DELAYS_MS[attempt];
      if (delay === undefined || !worthRetrying(error)) {
        if (attempt > 0 && error instanceof Error)
          error.message += ` (tried ${attempt + 1} times over ${CONNECT_DELAYS_MS.slice(0, attempt).reduce((a, b) => a + b, 0) / 1000} s)`;
        throw error;
      }
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, delay));
      lost = undefined;
      client = newClient();
    }
  }
}

function worthRetrying(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string')
    return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|57P03)$/.test(code);
  return typeof message === 'string' && /connection terminated|timeout/i.test(message);
}

function reply(message: WorkerReply): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  if (lost !== undefined) {
    // Only a statement never sent and outside any transaction may go on a new session: one cut off while it
    // ran may have committed, and a transaction's statements must all run on the session that began it.
    if ((request.op === 'query' || request.op === 'exec') && request.fresh === true) await reconnect();
    else throw lost;
  }
  switch (request.op) {
    case 'connect':
      await connectWithRetry();
      return { rows: [], rowCount: 0 };
    case 'query': {
      const result = await client.query({ text: request.text, values: request.values });
      return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 };
    }
    case 'exec':
      // The simple-query protocol: several statements in one text, as SQLite's exec takes them.
      await client.query(request.text);
      return { rows: [], rowCount: 0 };
    case 'close':
      await client.end();
      return { rows: [], rowCount: 0 };
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (answer) => {
      reply(answer);
      if (request.op === 'close') port.close();
    },
    (error: unknown) => {
      const e = error as { message?: string; code?: unknown; detail?: unknown };
      // A statement refused by the server carries its SQLSTATE; anything else (a socket error, a connection
      // ended, the server's own shutdown or termination codes) means the session is gone: the next statement
      // that may go to a new session does, without waiting for the socket's events to arrive first.
      const sqlState = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
      if (request.op !== 'close' && (sqlState === undefined || /^(08|57P)/.test(sqlState)))
        lost ??= error instanceof Error ? error : new Error(String(error));
      reply({
        error: {
          message: e.message ?? String(error),
          code: typeof e.code === 'string' ? e.code : undefined,
          detail: typeof e.detail === 'string' ? e.detail : undefined,
        },
      });
    },
  );
});
