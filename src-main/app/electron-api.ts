import type { SafeStorageLike } from '../core/audit/key-protector.js';
/**
 * The parts of Electron's main-process API the shell uses, typed here because the electron package is an
 * optional dependency (absent where its download is blocked). main.ts passes the real module; tests pass a fake.
 */
export interface WebPreferences {
  preload: string;
  sandbox: boolean;
  contextIsolation: boolean;
  nodeIntegration: boolean;
  nodeIntegrationInWorker: boolean;
  nodeIntegrationInSubFrames: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  experimentalFeatures: boolean;
  webviewTag: boolean;
  navigateOnDragDrop: boolean;
  spellcheck: boolean;
  devTools: boolean;
  safeDialogs: boolean;
}

export interface PreventableEvent {
  preventDefault(): void;
}

export interface WebFrameMain {
  url: string;
  parent: WebFrameMain | null;
}

export interface WebContents {
  id: number;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: PreventableEvent, url: string) => void,
  ): void;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface BrowserWindowInstance {
  webContents: WebContents;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): void;
  show(): void;
}

export interface BrowserWindowConstructor {
  new (options: {
    width: number;
    height: number;
    minWidth: number;
    minHeight: number;
    show: boolean;
    title: string;
    backgroundColor: string;
    webPreferences: WebPreferences;
  }): BrowserWindowInstance;
}

export interface Session {
  webRequest: {
    onBeforeRequest(
      filter: { urls: string[] },
      listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void,
    ): void;
  };
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: () => boolean): void;
  setSpellCheckerEnabled(enabled: boolean): void;
}

export interface IpcMainInvokeEvent {
  sender: WebContents;
  senderFrame: WebFrameMain | null;
}

export interface UtilityProcessInstance {
  pid: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  once(event: 'exit', listener: (code: number) => void): void;
  kill(): boolean;
}

export interface ElectronApi {
  app: {
    isPackaged: boolean;
    whenReady(): Promise<void>;
    on(event: 'window-all-closed' | 'before-quit', listener: () => void): void;
    on(event: 'web-contents-created', listener: (event: unknown, contents: WebContents) => void): void;
    on(event: 'session-created', listener: (session: Session) => void): void;
    quit(): void;
  };
  BrowserWindow: BrowserWindowConstructor;
  protocol: {
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  session: { defaultSession: Session };
  ipcMain: {
    handle(
      channel: string,
      listener: (event: IpcMainInvokeEvent, payload: unknown, session?: unknown) => Promise<unknown>,
    ): void;
  };
  utilityProcess: {
    fork(
      modulePath: string,
      args: string[],
      options: { serviceName: string; stdio: 'inherit' | 'ignore'; env?: NodeJS.ProcessEnv },
    ): UtilityProcessInstance;
  };
  safeStorage: SafeStorageLike;
  dialog: {
    showOpenDialog(
      window: BrowserWindowInstance,
      options: {
        title: string;
        properties: string[];
        filters?: { name: string; extensions: string[] }[];
      },
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
  };
}
