import type { Workspace } from '../../core/store/workspace.js';
import { hasUsers } from '../../core/audit/log.js';
import { signIn, signOut, type SessionPolicy } from '../../core/audit/sessions.js';
import { checkPasswordAsync } from '../../core/audit/users.js';
import { userView, type Caller } from './caller.js';

/** The session actions: who is signed in, signing in (for as long as the policy says) and out. */
export function sessionHandlers(workspace: Workspace, policy: SessionPolicy) {
  return {
    'session.status': (_payload: unknown, caller: Caller) => ({
      usersExist: hasUsers(workspace.db),
      user: caller.user !== undefined ? userView(caller.user) : null,
    }),
    'session.signIn': async (payload: { name: string; password: string }) => {
      // The scrypt runs on the thread pool first: other desks' requests are answered meanwhile.
      const verdict = await checkPasswordAsync(workspace.db, payload.name, payload.password);
      const session = signIn(workspace.db, payload.name, payload.password, new Date(), policy, verdict);
      return { token: session.token, user: userView(session.user), expiresAt: session.expiresAt };
    },
    'session.signOut': (_payload: unknown, caller: Caller) => {
      if (caller.session !== undefined) signOut(workspace.db, caller.session);
      return { signedOut: caller.session !== undefined };
    },
  };
}
