import type { Options } from './args.js';
import type { Output } from './output.js';
import type { Workspace } from '../core/store/workspace.js';

export interface CommandContext {
  options: Options;
  out: Output;
  signal: AbortSignal;
  /** Opens the Attest home (--home, ATTEST_HOME or the OS default); closed by the CLI when the command ends. */
  workspace(): Workspace;
  home: string | undefined;
  /** The site store's PostgreSQL URL (--store or ATTEST_DATABASE_URL), for commands that open stores themselves. */
  store?: string | undefined;
}

export interface Command {
  /** Words that select the command, e.g. ['audit', 'verify']. */
  path: string[];
  usage: string;
  summary: string;
  booleanFlags?: string[];
  /**
   * Only reads the home (lists, the audit log, verification): runs without a signed-in user even once the
   * installation has accounts. Every other command that opens the home needs `--user NAME` from then on.
   */
  readOnly?: boolean;
  /** Returns an exit code other than 0 when the result was printed but must still fail (e.g. verification). */
  run(context: CommandContext): Promise<void | number>;
}
