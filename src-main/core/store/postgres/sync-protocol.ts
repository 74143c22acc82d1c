/** What the caller asks the connection thread (sync-worker.ts), one request at a time. */
export type WorkerRequest =
  | { op: 'connect' }
  | { op: 'query'; text: string; values: unknown[] }
  | { op: 'exec'; text: string }
  | { op: 'close' };

export type WorkerReply =
  | { rows: Record<string, unknown>[]; rowCount: number; error?: undefined }
  | { error: { message: string; code: string | undefined; detail: string | undefined } };
