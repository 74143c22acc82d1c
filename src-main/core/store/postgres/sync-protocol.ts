/**
 * What the caller asks the connection thread (sync-worker.ts), one request at a time. `fresh`: the statement
 * stands alone or begins a transaction, so a connection lost while idle may be replaced before it runs.
 */
export type WorkerRequest =
  | { op: 'connect' }
  | { op: 'query'; text: string; values: unknown[]; fresh?: boolean }
  | { op: 'exec'; text: string; fresh?: boolean }
  | { op: 'close' };

export type WorkerReply =
  | { rows: Record<string, unknown>[]; rowCount: number; error?: undefined }
  | { error: { message: string; code: string | undefined; detail: string | undefined } };
