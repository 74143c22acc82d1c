/** The custom scheme the UI is served from: a real origin (app://attest) without a file:// or a web server. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'attest';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** IPC channels: one per named action (`attest:engine.info`, ...) and one for engine events to the windows. */
export const ACTION_CHANNEL_PREFIX = 'attest:';
export const EVENT_CHANNEL = 'attest:event';
/** The system's open dialog (desktop app only), for the path fields of the forms. */
export const PATH_DIALOG_CHANNEL = 'attest-dialog:pickPath';
