import type { JobContext } from './job-context.js';

/**
 * The context of one part of a job (one suite of a validation, say): the part reports its own progress from
 * 0 to 1, and the job's bar moves over the part's share only, with the part named in the message. Without it, a
 * suite that finished its own work showed "100 %" while the other suites had still to run.
 */
export function shareOfJob(job: JobContext, index: number, parts: number, label: string): JobContext {
  const clamp = (f: number) => (Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0);
  return {
    signal: job.signal,
    log: (message) => job.log(message),
    progress: (fraction, message) =>
      job.progress((index + clamp(fraction)) / parts, message === '' ? label : `${label}: ${message}`),
  };
}
