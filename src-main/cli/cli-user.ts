import { readFileSync } from 'node:fs';
import type { Workspace } from '../core/store/workspace.js';
import type { Db } from '../core/store/database.js';
import { badInput } from '../core/errors.js';
import { hasUsers, setProcessActor, setProcessReason } from '../core/audit/log.js';
import { actorOf, authenticate, type UserRow } from '../core/audit/users.js';

/**
 * How the CLI acts as a user: `attest --user NAME COMMAND ...` signs NAME in for that one command, with the
 * password from ATTEST_PASSWORD, else the first line of standard input, else a prompt on the terminal (no
 * echo). Passwords never go on the command line, where other accounts could read them in the process list.
 * Without --user the actor is the operating-system account, which is allowed only while the installation has
 * no user accounts (the first setup); after that every change needs a signed-in user.
 */
let signedIn: { user: UserRow; password: string } | undefined;
let stdinLines: string[] | undefined;

async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  let text = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            input.off('data', onData);
            resolve(text);
            return;
          }
          if (char === '\u0003') {
            input.off('data', onData);
            reject(badInput('password entry cancelled'));
            return;
          }
          text = char === '\u007f' || char === '\b' ? text.slice(0, -1) : text + char;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}

/** The next secret: a line of piped standard input, or a hidden prompt on a terminal. */
export async function readSecret(question: string): Promise<string> {
  if (process.stdin.isTTY === true) return promptHidden(question);
  stdinLines ??= readStdin();
  const line = stdinLines.shift();
  if (line === undefined || line === '')
    throw badInput(`${question.replace(/:\s*$/, '')}: nothing on standard input`);
  return line;
}

function readStdin(): string[] {
  try {
    return readFileSync(0, 'utf8').split(/\r?\n/);
  } catch {
    return [];
  }
}

async function actingPassword(name: string): Promise<string> {
  const fromEnv = process.env['ATTEST_PASSWORD'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : readSecret(`Password for ${name}: `);
}

/** Called by the CLI for --user: checks the password and makes the user the actor of every audit event. */
export async function signInCliUser(workspace: Workspace, name: string): Promise<UserRow> {
  if (!hasUsers(workspace.db))
    throw badInput(
      'this installation has no user accounts yet: create the first administrator with `attest users add --name NAME --role administrator --password-stdin` (without --user)',
    );
  const password = await actingPassword(name);
  const user = authenticate(workspace.db, name, password);
  signedIn = { user, password };
  setProcessActor(actorOf(user));
  return user;
}

/**
 * Once the installation has accounts, a command that changes the home or takes something out of it (a
 * checkpoint, an exported model, a report) runs only as a signed-in user: the audit trail must say who.
 */
export function requireUserForChanges(db: Db, command: string): void {
  if (signedIn === undefined && hasUsers(db))
    throw badInput(
      `this installation has user accounts: run \`attest ${command}\` as a user (attest --user NAME ${command} ..., ` +
        'password from ATTEST_PASSWORD or standard input)',
    );
}

export function signOutCliUser(): void {
  signedIn = undefined;
  stdinLines = undefined;
  setProcessActor(undefined);
  setProcessReason(undefined);
}

/** `--reason TEXT`: why the command is run, written into every audit event it appends. */
export function setCliReason(reason: string | undefined): void {
  if (reason !== undefined && (reason.trim() === '' || reason.length > 1000))
    throw badInput('option --reason must have 1 to 1000 characters');
  setProcessReason(reason);
}

/** The user signed in for this command, with the password entered for it (needed again to sign a record). */
export function cliCredentials(): { user: UserRow; password: string } | undefined {
  return signedIn;
}

/**
 * A new password for `users add` / `users reset-password`: with --password-stdin the next line of standard
 * input (after the acting user's password when that came from standard input too), else ATTEST_NEW_PASSWORD,
 * else asked twice on the terminal.
 */
export async function newPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    if (process.stdin.isTTY === true) return confirmTwice();
    return readSecret('New password: ');
  }
  const fromEnv = process.env['ATTEST_NEW_PASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY === true) return confirmTwice();
  throw badInput(
    'give the new password with --password-stdin or ATTEST_NEW_PASSWORD (never on the command line)',
  );
}

async function confirmTwice(): Promise<string> {
  const first = await promptHidden('New password: ');
  const second = await promptHidden('Repeat the new password: ');
  if (first !== second) throw badInput('the two passwords differ');
  return first;
}
