import { ACTION_NAMES, ACTIONS, describeIssues, fail, type EngineEvent } from '../contract/index.js';
import type { EngineHostClient } from '../server/dispatch/host-client.js';
import type { ElectronApi, IpcMainInvokeEvent, WebContents } from './electron-api.js';
import { ACTION_CHANNEL_PREFIX, EVENT_CHANNEL } from './constants.js';
import { isAppUrl } from './window-security.js';

/**
 * A request is served only from the top frame of a window the app created, showing the app's own page: an
 * iframe, another window or a page that navigated elsewhere gets an error.
 */
export function trustedSender(event: IpcMainInvokeEvent, windows: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  if (frame === null || frame.parent !== null) return false;
  if (!windows.has(event.sender.id)) return false;
  return isAppUrl(frame.url);
}

/**
 * One IPC handler per named action of the contract (no generic channel): sender checked, payload parsed against
 * the action's schema, then passed to the engine host. Errors come back as data, never as exceptions.
 */
export function registerIpc(
  ipcMain: ElectronApi['ipcMain'],
  engine: Pick<EngineHostClient, 'request'>,
  windows: ReadonlySet<number>,
): void {
  for (const action of ACTION_NAMES) {
    ipcMain.handle(`${ACTION_CHANNEL_PREFIX}${action}`, async (event, payload, session) => {
      if (!trustedSender(event, windows))
        return fail('BAD_INPUT', `${action}: refused, the sender is not the app`);
      const parsed = ACTIONS[action].request.safeParse(payload ?? {});
      if (!parsed.success) return fail('BAD_INPUT', `${action}: ${describeIssues(parsed.error)}`);
      if (session !== undefined && (typeof session !== 'string' || session.length > 200))
        return fail('BAD_INPUT', `${action}: the sign-in session is not a token`);
      return engine.request(action, parsed.data, session);
    });
  }
}

/** Engine events go to the app's windows only. */
export function forwardEvents(
  engine: Pick<EngineHostClient, 'onEvent'>,
  contents: () => WebContents[],
): () => void {
  return engine.onEvent((event: EngineEvent) => {
    for (const target of contents()) if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event);
  });
}
