import type { UserRow } from '../../core/audit/users.js';

/** Who sent a request: the sign-in session it carried and its user, when it carried a live one. */
export interface Caller {
  session?: string;
  user?: UserRow;
}

/** A user as the UI shows them: no password hash, no lock-out counters. */
export function userView(user: UserRow) {
  return { name: user.name, printedName: user.printedName, role: user.role };
}
