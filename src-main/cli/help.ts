import type { Command } from './command.js';

export { ATTEST_VERSION } from '../core/util/version.js';

export function helpText(commands: readonly Command[]): string {
  // Usage on its own line and the summary indented below it: usages are long, and padding them into a
  // column would push every summary off an 80- or 120-column terminal.
  return [
    'attest: train, compress and validate deep-learning models offline, with a verifiable audit trail',
    '',
    'Usage: attest [--home DIR] COMMAND ... [--json]',
    '',
    'Commands:',
    ...commands.flatMap((c) => [`  attest ${c.usage}`, `      ${c.summary}`]),
    '',
    'Global options:',
    '  --home DIR   the Attest home (database and artifacts); default: ATTEST_HOME or the application-data folder',
    '  --json       print exactly one JSON object on stdout; progress and logs go to stderr',
    '  --user NAME  act as a local user (password from ATTEST_PASSWORD or standard input); needed once accounts exist',
    '  --reason T   why: recorded in every audit event the command writes',
    "  --store URL  site mode (preview): the records in a site's PostgreSQL (postgres://...) instead of the home",
    '  --help       show this help (also: attest help COMMAND)',
    '',
    'Environment: ATTEST_HOME (home folder), ATTEST_BACKEND=tensorflow|wasm|cpu (force a TF.js backend),',
    '  ATTEST_DATABASE_URL (as --store)',
    'Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 verification failed, 130 cancelled',
  ].join('\n');
}
