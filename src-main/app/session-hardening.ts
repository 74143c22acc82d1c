import type { Session } from './electron-api.js';
import { APP_SCHEME } from './constants.js';

/**
 * Whether a request from any page of the app may go out: only the app's own scheme (and Chromium's internal
 * devtools pages while developing). Everything else, http, https, ws, ftp, file, is refused: Attest works
 * offline by design, so any other request is a bug or an attack.
 */
export function requestAllowed(url: string, options: { devTools: boolean }): boolean {
  if (url.startsWith(`${APP_SCHEME}://`)) return true;
  if (options.devTools && url.startsWith('devtools://')) return true;
  return false;
}

/** Applied to the default session and to every session created later. */
export function hardenSession(session: Session, options: { devTools: boolean }): void {
  session.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) =>
    callback({ cancel: !requestAllowed(details.url, options) }),
  );
  // No camera, microphone, notifications, geolocation, clipboard reading...: the UI needs none.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  // The spell checker downloads its dictionaries from Google's servers.
  session.setSpellCheckerEnabled(false);
}
