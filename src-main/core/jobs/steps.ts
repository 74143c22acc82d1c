import { throwIfCancelled, type JobContext } from './job-context.js';

/** Where a long computation is when it pauses (between two batches). */
export interface StepProgress {
  fraction: number;
  message: string;
}

/**
 * A computation written as a generator that pauses after each batch, holding no tensor while paused. The same
 * code then runs synchronously (runSteps) or lets a job report progress and be cancelled (runStepsAsync).
 */
export type Steps<T> = Generator<StepProgress | undefined, T, void>;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** Runs the steps, yielding to the event loop between them so that a cancel request can arrive and be honoured. */
export async function runStepsAsync<T>(steps: Steps<T>, context?: JobContext): Promise<T> {
  try {
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
      if (step.value !== undefined) context?.progress(step.value.fraction, step.value.message);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (context !== undefined) throwIfCancelled(context.signal);
    }
  } finally {
    steps.return(undefined as T);
  }
}
