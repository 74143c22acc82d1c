import type { Command } from '../command.js';
import {
  addUser,
  changeOwnPassword,
  listUsers,
  parseRole,
  resetPassword,
  setRole,
  type UserRow,
} from '../../core/audit/users.js';
import { cliCredentials, newPassword } from '../cli-user.js';
import { badInput } from '../../core/errors.js';
import { checkpointAfterChange } from '../../core/audit/checkpoint.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { Output } from '../output.js';

function describe(u: UserRow): string {
  return `${u.name}\t${u.role}\t${u.printedName}${u.locked ? '\tLOCKED' : ''}`;
}

/** Account changes are signed into a checkpoint at once: they are the actions an auditor looks at first. */
function checkpoint(workspace: Workspace, out: Output): void {
  const { warning } = checkpointAfterChange(workspace);
  if (warning !== null) out.log(`attest: ${warning}`);
}

export const usersAddCommand: Command = {
  path: ['users', 'add'],
  usage:
    'users add --name NAME --role operator|reviewer|administrator [--printed-name "Full Name"] [--password-stdin] [--reason TEXT] [--json]',
  summary:
    'Create a local account (scrypt-hashed password); the first must be an administrator, later ones need --user ADMIN',
  booleanFlags: ['password-stdin'],
  async run({ options, out, workspace }) {
    const name = options.requiredString('name');
    const role = parseRole(options.requiredString('role'));
    const printedName = options.string('printed-name') ?? name;
    const fromStdin = options.flag('password-stdin');
    const reason = options.string('reason');
    options.rejectUnknown();
    const password = await newPassword(fromStdin);
    const ws = workspace();
    const user = addUser(ws.db, {
      name,
      role,
      printedName,
      password,
      ...(reason !== undefined ? { reason } : {}),
    });
    checkpoint(ws, out);
    out.result({ user }, () => `user ${user.name} created (${user.role})`);
  },
};

export const usersListCommand: Command = {
  path: ['users', 'list'],
  readOnly: true,
  usage: 'users list [--json]',
  summary: 'The local accounts with their role and whether they are locked',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const users = listUsers(workspace().db);
    out.result({ users }, () =>
      users.length === 0 ? '(no accounts: the first-setup mode)' : users.map(describe).join('\n'),
    );
  },
};

export const usersSetRoleCommand: Command = {
  path: ['users', 'set-role'],
  usage:
    'users set-role --name NAME --role operator|reviewer|administrator [--reason TEXT] --user ADMIN [--json]',
  summary: 'Change the role of an account (administrator only; audited with the old and new role)',
  async run({ options, out, workspace }) {
    const name = options.requiredString('name');
    const role = parseRole(options.requiredString('role'));
    const reason = options.string('reason');
    options.rejectUnknown();
    const user = setRole(workspace().db, name, role, reason);
    checkpoint(workspace(), out);
    out.result({ user }, () => `user ${user.name} is now ${user.role}`);
  },
};

export const usersResetPasswordCommand: Command = {
  path: ['users', 'reset-password'],
  usage: 'users reset-password --name NAME [--password-stdin] [--reason TEXT] --user ADMIN [--json]',
  summary:
    'Set a new password for an account and unlock it (administrator only; audited, hashes never logged)',
  booleanFlags: ['password-stdin'],
  async run({ options, out, workspace }) {
    const name = options.requiredString('name');
    const fromStdin = options.flag('password-stdin');
    const reason = options.string('reason');
    options.rejectUnknown();
    const password = await newPassword(fromStdin);
    const user = resetPassword(workspace().db, name, password, reason);
    checkpoint(workspace(), out);
    out.result({ user }, () => `password of ${user.name} reset${user.locked ? '' : ' (account unlocked)'}`);
  },
};

export const usersChangePasswordCommand: Command = {
  path: ['users', 'change-password'],
  usage: 'users change-password --user NAME [--password-stdin] [--json]',
  summary: 'Change your own password: the current one (ATTEST_PASSWORD or standard input), then the new one',
  booleanFlags: ['password-stdin'],
  async run({ options, out, workspace }) {
    const fromStdin = options.flag('password-stdin');
    options.rejectUnknown();
    const credentials = cliCredentials();
    if (credentials === undefined)
      throw badInput('changing a password needs the user: attest --user NAME users change-password');
    const password = await newPassword(fromStdin);
    const user = changeOwnPassword(workspace().db, credentials.user.name, credentials.password, password);
    checkpoint(workspace(), out);
    out.result({ user }, () => `password of ${user.name} changed`);
  },
};
