import type { ActionName } from '../contract/index.js';
import type { Role } from '../core/audit/users.js';

/*
 * Who may call each action on a site (`attest site serve`), where every request comes from a signed-in account.
 * `public`: before signing in (the sign-in itself, and what the sign-in page asks). Reading the records is
 * everyone's; changing them (jobs, projects, files on the server) is the operator's; signing is the reviewer's;
 * accounts and the site's checkpoints are the administrator's, who may do everything. The record type makes an
 * action added to the contract without a rule here a compile error, rather than open to all.
 */

const EVERYONE: readonly Role[] = ['operator', 'reviewer', 'administrator'];
const OPERATOR: readonly Role[] = ['operator', 'administrator'];
const REVIEWER: readonly Role[] = ['reviewer', 'administrator'];
const ADMINISTRATOR: readonly Role[] = ['administrator'];

export const ACTION_ROLES: Readonly<Record<ActionName, 'public' | readonly Role[]>> = {
  'engine.info': 'public',
  'session.status': 'public',
  'session.signIn': 'public',
  'session.signOut': EVERYONE,
  'datasets.list': EVERYONE,
  'models.list': EVERYONE,
  'datasets.samples': EVERYONE,
  'records.strip': EVERYONE,
  'validations.list': EVERYONE,
  'audit.log': EVERYONE,
  'audit.verify': EVERYONE,
  'audit.checkpoint': ADMINISTRATOR,
  'exports.list': EVERYONE,
  'exports.verify': EVERYONE,
  'records.sign': REVIEWER,
  'signatures.list': EVERYONE,
  'records.splitPreview': OPERATOR,
  'models.explainSample': EVERYONE,
  'methods.evidence': EVERYONE,
  // A path is read on the server's disk, as files.list browses it: the operator's.
  'models.tryImage': OPERATOR,
  'models.errors': EVERYONE,
  'records.comment': EVERYONE,
  'records.comments': EVERYONE,
  'jobs.history': EVERYONE,
  'jobs.list': EVERYONE,
  'jobs.start': OPERATOR,
  'jobs.cancel': OPERATOR,
  'comparisons.list': EVERYONE,
  'images.preview': OPERATOR,
  'images.thumbnails': EVERYONE,
  'projects.list': EVERYONE,
  'projects.create': OPERATOR,
  'projects.rename': OPERATOR,
  'projects.assign': OPERATOR,
  'projects.startJob': OPERATOR,
  'detection.review': OPERATOR,
  'users.list': ADMINISTRATOR,
  'users.add': ADMINISTRATOR,
  'users.setRole': ADMINISTRATOR,
  'users.resetPassword': ADMINISTRATOR,
  'files.list': OPERATOR,
  'files.check': OPERATOR,
  'models.compare': EVERYONE,
};

/** Whether a role may call the action on a site. */
export function roleMayCall(action: ActionName, role: Role): boolean {
  const rule = ACTION_ROLES[action];
  return rule === 'public' || rule.includes(role);
}
