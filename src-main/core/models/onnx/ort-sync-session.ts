import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { threadExecArgv } from '../../util/thread-options.js';
import type { OrtSyncReply } from './ort-sync-worker.js';

/** Longest wait for one forward pass before the session is declared dead (a batch takes milliseconds to seconds). */
const TIMEOUT_MS = 10 * 60 * 1000;
/** Longest wait for the session's thread to start (loading ONNX Runtime takes about a second; more on a busy machine). */
const STARTUP_MS = 60 * 1000;

/**
 * An ONNX Runtime session that answers synchronously, for a TF.js layer whose call() must return a tensor:
 * the session lives in a worker thread and this thread blocks (Atomics.wait) until the worker has answered.
 * Node allows blocking its main thread this way; the worker is unref'd so that it never keeps a command alive.
 */
export class SyncOrtSession {
  private readonly worker: Worker;
  private readonly port;
  /** [0]: an answer is waiting; [1]: the thread has started. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private closed = false;
  provider = 'cpu';

  constructor(
    bytes: Uint8Array,
    private readonly startupMs = STARTUP_MS,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./ort-sync-worker.js', import.meta.url), {
      workerData: { bytes, signalBuffer: this.signal.buffer, port: port2 },
      transferList: [port2],
      execArgv: threadExecArgv(),
    });
    // A thread that fails is reported by run() (it never answers), not as an uncaught error of the process.
    this.worker.on('error', () => undefined);
    this.worker.unref();
    this.port.unref();
  }

  /** One forward pass of a float32 input laid out as the file's input ([n, ...file dims]). */
  run(data: Float32Array, dims: number[]): { data: Float32Array; dims: number[] } {
    if (this.closed) throw new Error('the ONNX Runtime session was closed');
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ data, dims });
    // A thread that could not start (its module failed to load) never answers, and its error event cannot
    // reach this thread while it blocks: its start is waited for first, for a bounded time.
    if (
      Atomics.load(this.signal, 1) === 0 &&
      Atomics.wait(this.signal, 1, 0, this.startupMs) === 'timed-out'
    ) {
      this.close();
      throw new Error(`the ONNX Runtime thread did not start within ${this.startupMs / 1000} s`);
    }
    if (Atomics.wait(this.signal, 0, 0, TIMEOUT_MS) === 'timed-out')
      throw new Error(`ONNX Runtime gave no answer within ${TIMEOUT_MS / 60000} minutes`);
    const received = receiveMessageOnPort(this.port);
    if (received === undefined) throw new Error('ONNX Runtime answered without a result');
    const reply = received.message as OrtSyncReply;
    if (!reply.ok) throw new Error(`ONNX Runtime failed: ${reply.message}`);
    this.provider = reply.provider;
    return { data: reply.data, dims: reply.dims };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}
