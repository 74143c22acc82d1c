import { AttestError } from '../errors.js';

/** What a long operation receives: where to report progress, and the signal that asks it to stop. */
export interface JobContext {
  signal: AbortSignal;
  progress(fraction: number, message: string): void;
  log(message: string): void;
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AttestError('CANCELLED', 'cancelled by the user');
}

/** For library calls and tests that need no progress and are never cancelled. */
export function quietContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
}
