import { EngineHostClient } from '../server/dispatch/host-client.js';
import type { BrowserWindowInstance, ElectronApi } from './electron-api.js';
import { APP_ENTRY, APP_SCHEME } from './constants.js';
import { appProtocolHandler } from './app-protocol.js';
import { hardenSession } from './session-hardening.js';
import { guardWebContents, secureWebPreferences } from './window-security.js';
import { forwardEvents, registerIpc } from './ipc.js';
import { utilityHost } from './engine-host.js';
import { keychainKek } from './keychain-kek.js';
import { registerPathDialog } from './path-dialog.js';

export interface DesktopOptions {
  rendererDir: string;
  preloadPath: string;
  home: string;
}

export interface DesktopApp {
  window: BrowserWindowInstance;
  engine: EngineHostClient;
}

/**
 * The Electron shell, in the order Electron requires: the app:// scheme is registered before `ready`, every
 * session and web contents is hardened as it is created, then the engine host starts, the IPC handlers are
 * registered and the window opens on app://attest/index.html.
 */
export async function startDesktopApp(electron: ElectronApi, options: DesktopOptions): Promise<DesktopApp> {
  const { app } = electron;
  const devTools = !app.isPackaged;
  electron.protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
  app.on('session-created', (session) => hardenSession(session, { devTools }));
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  await app.whenReady();
  hardenSession(electron.session.defaultSession, { devTools });
  electron.protocol.handle(APP_SCHEME, appProtocolHandler(options.rendererDir, options.home));

  // safeStorage works only once the app is ready; without it the key keeps its file permissions alone.
  const keychain = keychainKek(electron.safeStorage, options.home);
  if (keychain.kek === undefined)
    console.error(`attest: signing key not in the keychain: ${keychain.reason}`);
  const engine = new EngineHostClient(() => utilityHost(electron.utilityProcess, options.home, keychain.kek));
  // A host that cannot start is reported in the window (every action answers with the error), not a blank app.
  await engine.start().catch((error: unknown) => console.error(`attest: ${(error as Error).message}`));
  const windowIds = new Set<number>();
  registerIpc(electron.ipcMain, engine, windowIds);

  const window = new electron.BrowserWindow({
    width: 1366,
    height: 860,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Attest',
    backgroundColor: '#f6f7f9',
    webPreferences: secureWebPreferences(options.preloadPath, { devTools }),
  });
  windowIds.add(window.webContents.id);
  registerPathDialog(electron, windowIds, (id) => (id === window.webContents.id ? window : undefined));
  forwardEvents(engine, () => [window.webContents]);
  window.once('ready-to-show', () => window.show());
  app.on('window-all-closed', () => {
    void engine.close().then(() => app.quit());
  });
  await window.loadURL(APP_ENTRY);
  return { window, engine };
}
