import type { JobContext } from '../../core/jobs/job-context.js';
import type { CommandContext } from '../command.js';

/** Connects a core job to the terminal: progress bar and logs on stderr, Ctrl-C as the cancel signal. */
export function cliJobContext({ out, signal }: CommandContext): JobContext {
  return {
    signal,
    progress: (fraction, message) => out.progress(fraction, message),
    log: (message) => out.log(message),
  };
}
