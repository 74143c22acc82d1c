import { hostname } from 'node:os';
import { parseArgs, Options } from './args.js';
import { createOutput } from './output.js';
import { helpText, ATTEST_VERSION } from './help.js';
import { COMMANDS } from './commands/index.js';
import type { Command } from './command.js';
import { AttestError, badInput, exitCodeFor } from '../core/errors.js';
import type { Workspace } from '../core/store/workspace.js';
import { requireUserForChanges, setCliReason, signInCliUser, signOutCliUser } from './cli-user.js';
import { setProcessDesk } from '../core/audit/log.js';
import { asDamagedDatabase } from '../core/store/damaged-database.js';
import { checkRunsOnSiteStore, openWorkspace, siteStoreUrl } from './site-store.js';
import { runSiteCommand } from './site-commands.js';

const GLOBAL_BOOLEANS = ['json', 'help', 'version'];

function findCommand(words: string[]): { command: Command; rest: string[] } | undefined {
  // The longest matching path wins, so `audit verify` beats a hypothetical `audit`.
  const sorted = [...COMMANDS].sort((a, b) => b.path.length - a.path.length);
  for (const command of sorted) {
    if (command.path.every((word, i) => words[i] === word))
      return { command, rest: words.slice(command.path.length) };
  }
  return undefined;
}

/** Splits off `--site URL` / `--site=URL` when its value is an address (has "://"); bench's `--site` stays. */
function takeSiteOption(argv: string[]): { site: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--site='))
      return { site: arg.slice(7), rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    const next = argv[i + 1];
    if (arg === '--site' && next !== undefined && next.includes('://'))
      return { site: next, rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
  }
  return { site: undefined, rest: argv };
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  const out = createOutput(wantsJson);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      out.log('cancelling... (press Ctrl-C again to quit at once)');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  let workspace: Workspace | undefined;
  try {
    // One parse with every command's boolean flags, so that option values (`--home DIR`) are never taken for
    // command words, wherever the user put the options.
    const allBooleans = new Set([...GLOBAL_BOOLEANS, ...COMMANDS.flatMap((c) => c.booleanFlags ?? [])]);
    // `--site URL` (a site to run the command on) is taken out first: `bench --site` is a flag without a value.
    const { site, rest: commandArgv } = takeSiteOption(argv);
    const parsedAll = parseArgs(commandArgv, allBooleans);
    const words = parsedAll.positionals;
    if (argv.includes('--version')) {
      out.result({ version: ATTEST_VERSION }, () => `attest ${ATTEST_VERSION}`);
      return 0;
    }
    if (
      words[0] === 'help' ||
      argv.length === 0 ||
      (argv.includes('--help') && findCommand(words) === undefined)
    ) {
      const target = words[0] === 'help' ? findCommand(words.slice(1)) : undefined;
      const text = target
        ? `Usage: attest ${target.command.usage}\n\n${target.command.summary}`
        : helpText(COMMANDS);
      out.result({ help: text }, () => text);
      return 0;
    }
    // --site URL: the command runs as the site's actions over HTTPS, not on this machine's home.
    if (site !== undefined)
      return await runSiteCommand(site, words, parsedAll.options, out, controller.signal);
    const found = findCommand(words);
    if (found === undefined) throw badInput(`unknown command "${words.join(' ')}" (see \`attest --help\`)`);
    const { command } = found;
    if (argv.includes('--help')) {
      const text = `Usage: attest ${command.usage}\n\n${command.summary}`;
      out.result({ help: text }, () => text);
      return 0;
    }
    const options = new Options({ positionals: found.rest, options: parsedAll.options });
    options.flag('json');
    const home = options.string('home');
    // Site mode (preview): the records on a PostgreSQL site store for the commands that run there.
    const store = siteStoreUrl(options.string('store'));
    // What this command appends to a site's trail names this machine as its desk.
    if (store !== undefined) setProcessDesk(`cli:${hostname()}`);
    const commandName = command.path.join(' ');
    checkRunsOnSiteStore(commandName, store);
    // --user NAME: sign in for this command (password from ATTEST_PASSWORD or standard input; see cli-user.ts).
    const userName = options.string('user');
    if (userName !== undefined)
      await signInCliUser((workspace ??= openWorkspace(home, store, commandName)), userName);
    setCliReason(options.string('reason'));
    const code = await command.run({
      options,
      out,
      signal: controller.signal,
      home,
      store,
      workspace() {
        workspace ??= openWorkspace(home, store, commandName);
        if (command.readOnly !== true) requireUserForChanges(workspace.db, commandName);
        return workspace;
      },
    });
    return code ?? 0;
  } catch (thrown) {
    // A damaged database file is reported as such (exit 3, a sentence), wherever SQLite noticed it.
    const error = asDamagedDatabase(thrown, workspace?.databasePath);
    const code = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    const errorCode = error instanceof AttestError ? error.code : 'INTERNAL';
    out.endProgress();
    if (wantsJson)
      process.stdout.write(`${JSON.stringify({ ok: false, error: { code: errorCode, message } })}\n`);
    process.stderr.write(`attest: ${message}\n`);
    if (code === 1 && error instanceof Error && error.stack !== undefined)
      process.stderr.write(`${error.stack}\n`);
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    signOutCliUser();
    workspace?.close();
  }
}
