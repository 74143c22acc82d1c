import { EventEmitter } from 'node:events';
import { fromHostSchema } from '../../contract/host-messages.js';
import {
  engineEventSchema,
  fail,
  type EngineEvent,
  type JobView,
  type Result,
} from '../../contract/index.js';

/** A running engine host, whatever started it (child_process.fork or Electron's utilityProcess.fork). */
export interface HostProcess {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

interface Pending {
  resolve(result: Result<unknown>): void;
}

/**
 * The front door's side of the engine host: requests with ids, events fanned out to listeners, and crash
 * detection. When the host dies unexpectedly every pending request gets an error result (never a hang), the
 * jobs it was running are reported as failed, and a fresh host is started for the next request.
 */
export class EngineHostClient {
  private host: HostProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly jobs = new Map<string, JobView>();
  private readonly events = new EventEmitter();
  private nextId = 1;
  private closing = false;
  crashes = 0;
  private recentCrashes: number[] = [];

  constructor(private readonly spawnHost: () => HostProcess) {
    this.events.setMaxListeners(100);
  }

  get pid(): number | undefined {
    return this.host?.pid;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** Starts the host if it is not running and waits until it says it is ready. */
  start(): Promise<void> {
    if (this.ready !== undefined) return this.ready;
    const host = this.spawnHost();
    this.host = host;
    let started = false;
    this.ready = new Promise<void>((resolve, reject) => {
      host.onMessage((raw) => {
        const message = fromHostSchema.safeParse(raw);
        if (!message.success) return;
        if (message.data.type === 'ready') {
          started = true;
          resolve();
        } else if (message.data.type === 'response') {
          const waiting = this.pending.get(message.data.id);
          this.pending.delete(message.data.id);
          waiting?.resolve(message.data.result as Result<unknown>);
        } else {
          const event = engineEventSchema.safeParse(message.data.event);
          if (!event.success) return;
          if (event.data.type === 'job') this.jobs.set(event.data.job.id, event.data.job);
          this.events.emit('event', event.data);
        }
      });
      host.onExit((code) => {
        if (this.host !== host) return;
        this.host = undefined;
        this.ready = undefined;
        if (!started) {
          // A host that cannot even start (a broken install) is not restarted in a loop: the request that
          // started it gets the error, and the next request tries once more.
          reject(
            new Error(`the engine could not start (exit code ${code ?? 'none'}); see the messages above`),
          );
          for (const waiting of this.pending.values())
            waiting.resolve(fail('INTERNAL', 'the engine could not start'));
          this.pending.clear();
          return;
        }
        if (!this.closing) this.crashed(code);
      });
    });
    return this.ready;
  }

  async request(action: string, payload: unknown, session?: string, desk?: string): Promise<Result<unknown>> {
    if (this.closing) return fail('INTERNAL', 'Attest is shutting down');
    try {
      await this.start();
    } catch (error) {
      return fail('INTERNAL', (error as Error).message);
    }
    const id = this.nextId++;
    return new Promise<Result<unknown>>((resolve) => {
      this.pending.set(id, { resolve });
      this.host?.postMessage({
        type: 'request',
        id,
        action,
        payload,
        ...(session !== undefined ? { session } : {}),
        ...(desk !== undefined ? { desk } : {}),
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const host = this.host;
    if (host === undefined) return;
    await new Promise<void>((resolve) => {
      host.onExit(() => resolve());
      host.kill();
    });
  }

  private crashed(code: number | null): void {
    this.crashes++;
    const message = `the engine stopped unexpectedly (exit code ${code ?? 'none'}); it was restarted, and the jobs it was running failed`;
    for (const waiting of this.pending.values()) waiting.resolve(fail('INTERNAL', message));
    this.pending.clear();
    const now = Date.now();
    for (const job of this.jobs.values()) {
      if (job.state !== 'queued' && job.state !== 'running') continue;
      const failed: JobView = {
        ...job,
        state: 'failed',
        finishedAt: now,
        remainingSeconds: null,
        message,
        error: { code: 'INTERNAL', message },
      };
      this.jobs.set(job.id, failed);
      this.events.emit('event', { type: 'job', job: failed } satisfies EngineEvent);
    }
    this.events.emit('event', { type: 'engine.crashed', message } satisfies EngineEvent);
    // Restarted at once, unless it keeps dying: then the next request starts it, so a broken host never spins.
    const now2 = Date.now();
    this.recentCrashes = [...this.recentCrashes.filter((t) => now2 - t < 60_000), now2];
    if (this.recentCrashes.length < 5) void this.start().catch(() => undefined);
  }
}
