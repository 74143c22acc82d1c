import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createOrtSession, runOrt } from './ort-runtime.js';

/**
 * The ONNX Runtime session of a runtime-only model, in its own thread, so that the main thread can wait for a
 * result synchronously (ort-sync-session.ts): TF.js layers run forward passes synchronously, ONNX Runtime only
 * asynchronously. Every request is answered on `port`, then `signal[0]` is set and notified, errors included,
 * so the waiting thread never blocks on a request that failed.
 */
export interface OrtSyncRequest {
  data: Float32Array;
  dims: number[];
}
export type OrtSyncReply =
  { ok: true; data: Float32Array; dims: number[]; provider: string } | { ok: false; message: string };

const { bytes, signalBuffer, port } = workerData as {
  bytes: Uint8Array;
  signalBuffer: SharedArrayBuffer;
  port: MessagePort;
};
const signal = new Int32Array(signalBuffer);
// The thread runs: signal[1] tells the caller it may wait for answers (see STARTUP_MS in ort-sync-session.ts).
Atomics.store(signal, 1, 1);
Atomics.notify(signal, 1);
const ready = createOrtSession(bytes);
// Failing to load is reported with the first request, not as an unhandled rejection.
ready.catch(() => undefined);

function answer(reply: OrtSyncReply): void {
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on('message', (request: OrtSyncRequest) => {
  ready
    .then(async ({ session, provider }) => {
      const out = await runOrt(session, request.data, request.dims);
      answer({ ok: true, data: out.data, dims: out.dims, provider });
    })
    .catch((error: unknown) =>
      answer({ ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
});
if (parentPort === null) throw new Error('ort-sync-worker runs in a worker thread');
