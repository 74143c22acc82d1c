import type { ActionRequest, ActionResponse, EngineEvent } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { hasUsers } from '../../core/audit/log.js';
import { addUser, listUsers, resetPassword, setRole, type UserRow } from '../../core/audit/users.js';
import { badInput } from '../../core/errors.js';

function accountView(user: UserRow) {
  return {
    name: user.name,
    printedName: user.printedName,
    role: user.role,
    locked: user.locked,
    failedAttempts: user.failedAttempts,
    createdAt: user.createdAt,
    passwordChangedAt: user.passwordChangedAt,
  };
}

/**
 * Refused here, in words for the UI, before the core says it its own way (the core checks again, inside its
 * transaction, with the same rule: a signed-in administrator once any account exists).
 */
function requireAdministrator(workspace: Workspace, caller: { user?: UserRow }): void {
  if (!hasUsers(workspace.db)) return;
  if (caller.user === undefined) throw badInput('sign in as an administrator to manage accounts');
  if (caller.user.role !== 'administrator')
    throw badInput(
      `${caller.user.printedName} is a ${caller.user.role}: only an administrator manages accounts`,
    );
}

/** The handlers of users.*: the same core functions as `attest users`, audited there. */
export function userHandlers(workspace: Workspace, emit: (event: EngineEvent) => void) {
  const changed = () => emit({ type: 'store.changed', what: 'audit' });
  return {
    'users.list': (_payload: unknown, caller: { user?: UserRow }): ActionResponse<'users.list'> => {
      requireAdministrator(workspace, caller);
      return { users: listUsers(workspace.db).map(accountView) };
    },
    'users.add': (
      payload: ActionRequest<'users.add'>,
      caller: { user?: UserRow },
    ): ActionResponse<'users.add'> => {
      requireAdministrator(workspace, caller);
      const user = addUser(workspace.db, {
        name: payload.name.trim(),
        printedName: payload.printedName,
        role: payload.role,
        password: payload.password,
        ...(payload.reason ? { reason: payload.reason } : {}),
      });
      changed();
      return { user: accountView(user) };
    },
    'users.setRole': (
      payload: ActionRequest<'users.setRole'>,
      caller: { user?: UserRow },
    ): ActionResponse<'users.setRole'> => {
      requireAdministrator(workspace, caller);
      const user = setRole(workspace.db, payload.name, payload.role, payload.reason || undefined);
      changed();
      return { user: accountView(user) };
    },
    'users.resetPassword': (
      payload: ActionRequest<'users.resetPassword'>,
      caller: { user?: UserRow },
    ): ActionResponse<'users.resetPassword'> => {
      requireAdministrator(workspace, caller);
      const user = resetPassword(workspace.db, payload.name, payload.password, payload.reason || undefined);
      changed();
      return { user: accountView(user) };
    },
  };
}
