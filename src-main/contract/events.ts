import { z } from 'zod';
import { jobViewSchema } from './jobs.js';

/**
 * Events pushed from the engine to every window (SSE in the browser, a MessagePort in Electron). One typed
 * union: the UI switches on `type` and nothing else.
 */
export const engineEventSchema = z.discriminatedUnion('type', [
  /** Any change of a job's state or progress: the whole view, so that a late subscriber needs nothing else. */
  z.object({ type: z.literal('job'), job: jobViewSchema }),
  z.object({ type: z.literal('job.log'), jobId: z.string(), message: z.string() }),
  /** One training epoch ended (from the checkpoint the core stored): the live loss and metric curves. */
  z.object({
    type: z.literal('job.epoch'),
    jobId: z.string(),
    epoch: z.number(),
    loss: z.number().nullable(),
    accuracy: z.number().nullable(),
    macroF1: z.number().nullable(),
  }),
  /**
   * Within a training epoch (at most twice a second): the epoch's mean loss so far, drawn on the loss curve at
   * epoch - 1 + fraction; at the epoch's end it is the epoch's loss, which the job.epoch event then carries.
   */
  z.object({
    type: z.literal('job.batch'),
    jobId: z.string(),
    epoch: z.number(),
    fraction: z.number(),
    loss: z.number(),
  }),
  /** Something changed in the store (a dataset, model, validation or audit event): lists refresh. */
  z.object({
    type: z.literal('store.changed'),
    what: z.enum(['datasets', 'models', 'validations', 'audit']),
  }),
  /** The engine host process stopped unexpectedly; it is restarted and running jobs are reported as failed. */
  z.object({ type: z.literal('engine.crashed'), message: z.string() }),
]);
export type EngineEvent = z.infer<typeof engineEventSchema>;
