import type { ActionName } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { AttestError } from '../../core/errors.js';
import { appendAuditEvent } from '../../core/audit/log.js';
import { actorOf, type UserRow } from '../../core/audit/users.js';
import { ACTION_ROLES, roleMayCall } from '../site-roles.js';

/*
 * The site's door for each request (`attest site serve`): who is not signed in gets UNAUTHENTICATED (401), and a
 * role that may not call the action gets FORBIDDEN (403) and an audit event naming the user, the action and the
 * desk, so that a reviewer of the trail sees the attempt as well as what was done.
 */

export function authorize(workspace: Workspace, action: ActionName, user: UserRow | undefined): void {
  if (ACTION_ROLES[action] === 'public') return;
  if (user === undefined) throw new AttestError('UNAUTHENTICATED', `sign in to the site to call ${action}`);
  if (roleMayCall(action, user.role)) return;
  workspace.db.transaction(() =>
    appendAuditEvent(workspace.db, {
      actor: actorOf(user),
      action: 'access.refuse',
      entityType: 'action',
      entityId: action,
      payload: { role: user.role },
    }),
  )();
  throw new AttestError(
    'FORBIDDEN',
    `${user.printedName} is a ${user.role}: a ${user.role} may not call ${action} on this site`,
  );
}

/** On a site, a refused sign-in or session is UNAUTHENTICATED (401), with the core's own words. */
export function asUnauthenticated(site: object | undefined, error: unknown): unknown {
  if (site === undefined || !(error instanceof AttestError) || error.code !== 'BAD_INPUT') return error;
  return new AttestError('UNAUTHENTICATED', error.message);
}
