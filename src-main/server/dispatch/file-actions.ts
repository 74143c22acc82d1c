import type { ActionRequest, ActionResponse } from '../../contract/index.js';
import { checkPath, listFolder } from '../../core/files/local-paths.js';

/** The handlers of files.*: metadata of the local disk for the path fields (nothing is read or stored). */
export function fileHandlers() {
  return {
    'files.list': (payload: ActionRequest<'files.list'>): ActionResponse<'files.list'> =>
      listFolder(payload.path, { hidden: payload.hidden === true }),
    'files.check': (payload: ActionRequest<'files.check'>): ActionResponse<'files.check'> => ({
      checks: payload.paths.map((path) => checkPath(path, payload.expect, payload.extensions ?? [])),
    }),
  };
}
