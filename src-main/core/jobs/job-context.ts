import { AttestError } from '../errors.js';

/** What a long operation receives: where to report progress, and the signal that asks it to stop. */
export interface JobContext {
  signal: AbortSignal;
  progress(fraction: number, message: string): void;
  log(message: string): void;
  /**
   * A training's live figure within an epoch: the mean loss of the epoch's batches so far (sample-weighted, so
   * that at the epoch's last batch it is the epoch's loss). The live curves draw it between checkpoints.
   */
  trainingPoint?(point: TrainingPoint): void;
  /**
   * A training's epoch ended and was checkpointed: its loss and validation figures, sent by the fit loop as it
   * stores them (the live curves' epoch points; null where a training measures no such figure).
   */
  trainingEpoch?(point: EpochPoint): void;
}

export interface EpochPoint {
  epoch: number;
  loss: number | null;
  accuracy: number | null;
  macroF1: number | null;
}

export interface TrainingPoint {
  epoch: number;
  /** How much of the epoch is done, in (0, 1]. */
  fraction: number;
  loss: number;
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AttestError('CANCELLED', 'cancelled by the user');
}

/** For library calls and tests that need no progress and are never cancelled. */
export function quietContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
}
