import { fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type {
  BrowserWindowInstance,
  ElectronApi,
  IpcMainInvokeEvent,
  PreventableEvent,
  Session,
  UtilityProcessInstance,
  WebContents,
  WebPreferences,
} from '../../src-main/app/electron-api.js';

/**
 * A stand-in for the electron module only: it records what the shell asks of Electron and lets a test fire
 * Electron's events. The utility process is a real Node child process running the real engine host.
 */
export class FakeWebContents implements WebContents {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly handlers = new Map<string, ((event: PreventableEvent, url: string) => void)[]>();
  openHandler: ((details: { url: string }) => { action: 'deny' | 'allow' }) | undefined;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  on(event: string, listener: (event: PreventableEvent, url: string) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void {
    this.openHandler = handler;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return false;
  }
  /** Fires an event; returns whether a handler prevented it. */
  fire(event: string, url = ''): boolean {
    let prevented = false;
    for (const handler of this.handlers.get(event) ?? [])
      handler({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

export class FakeSession implements Session {
  beforeRequest: ((details: { url: string }, callback: (r: { cancel: boolean }) => void) => void) | undefined;
  filter: { urls: string[] } | undefined;
  permissionRequest: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined;
  permissionCheck: (() => boolean) | undefined;
  spellChecker = true;
  webRequest = {
    onBeforeRequest: (
      filter: { urls: string[] },
      listener: (details: { url: string }, callback: (r: { cancel: boolean }) => void) => void,
    ) => {
      this.filter = filter;
      this.beforeRequest = listener;
    },
  };
  setPermissionRequestHandler(
    handler: (c: unknown, p: string, cb: (granted: boolean) => void) => void,
  ): void {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: () => boolean): void {
    this.permissionCheck = handler;
  }
  setSpellCheckerEnabled(enabled: boolean): void {
    this.spellChecker = enabled;
  }
  cancels(url: string): boolean {
    let cancel = false;
    this.beforeRequest?.({ url }, (r) => (cancel = r.cancel));
    return cancel;
  }
}

const KEYCHAIN_SECRET = Buffer.from('fake keychain secret, 32 bytes!!');

export function fakeElectron(isPackaged: boolean) {
  const log: string[] = [];
  const appListeners = new Map<string, ((...args: unknown[]) => void)[]>();
  const windows: {
    options: { webPreferences: WebPreferences };
    url: string;
    webContents: FakeWebContents;
  }[] = [];
  const ipcHandlers = new Map<string, (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>>();
  const dialogRequests: unknown[] = [];
  const dialogAnswers: { canceled: boolean; filePaths: string[] }[] = [];
  const utilityChildren: ChildProcess[] = [];
  const schemes: { scheme: string; privileges: Record<string, boolean> }[] = [];
  let protocolHandler: ((request: Request) => Response | Promise<Response>) | undefined;
  const defaultSession = new FakeSession();

  class FakeBrowserWindow implements BrowserWindowInstance {
    readonly webContents = new FakeWebContents();
    constructor(readonly options: { webPreferences: WebPreferences }) {
      log.push('new BrowserWindow');
      windows.push({ options, url: '', webContents: this.webContents });
      for (const l of appListeners.get('web-contents-created') ?? []) l({}, this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      log.push(`loadURL ${url}`);
      const entry = windows.find((w) => w.webContents === this.webContents);
      if (entry !== undefined) entry.url = url;
    }
    once(): void {}
    show(): void {}
  }

  const api: ElectronApi = {
    app: {
      isPackaged,
      whenReady: async () => {
        log.push('ready');
      },
      on: (event: string, listener: (...args: never[]) => void) => {
        appListeners.set(event, [
          ...(appListeners.get(event) ?? []),
          listener as (...args: unknown[]) => void,
        ]);
      },
      quit: () => log.push('quit'),
    } as ElectronApi['app'],
    BrowserWindow: FakeBrowserWindow as unknown as ElectronApi['BrowserWindow'],
    protocol: {
      registerSchemesAsPrivileged: (list) => {
        log.push('registerSchemesAsPrivileged');
        schemes.push(...list);
      },
      handle: (_scheme, handler) => {
        log.push('protocol.handle');
        protocolHandler = handler;
      },
    },
    session: { defaultSession },
    // The OS keychain: real encryption under a secret only this fake holds, so the files on disk are opaque.
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (plain: string): Buffer => {
        const c = createCipheriv('aes-256-cbc', KEYCHAIN_SECRET, Buffer.alloc(16, 7));
        return Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      },
      decryptString: (data: Buffer): string => {
        const d = createDecipheriv('aes-256-cbc', KEYCHAIN_SECRET, Buffer.alloc(16, 7));
        return Buffer.concat([d.update(data), d.final()]).toString('utf8');
      },
    },
    ipcMain: { handle: (channel, listener) => void ipcHandlers.set(channel, listener) },
    // The system's open dialog: records what it was asked and answers from a queue the test fills.
    dialog: {
      showOpenDialog: async (_window, options) => {
        dialogRequests.push(options);
        return dialogAnswers.shift() ?? { canceled: true, filePaths: [] };
      },
    },
    utilityProcess: {
      fork(modulePath, args, options): UtilityProcessInstance {
        log.push('utilityProcess.fork');
        const child = fork(modulePath, args, {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          serialization: 'advanced',
          ...(options.env !== undefined ? { env: options.env } : {}),
        });
        utilityChildren.push(child);
        return {
          pid: child.pid,
          postMessage: (message) => void child.send(message as object),
          on: (event: string, listener: (value: unknown) => void) => void child.on(event, listener),
          once: (event: string, listener: (value: unknown) => void) => void child.once(event, listener),
          kill: () => child.kill(),
        } as UtilityProcessInstance;
      },
    },
  };
  return {
    api,
    dialogRequests,
    dialogAnswers,
    log,
    windows,
    ipcHandlers,
    utilityChildren,
    schemes,
    defaultSession,
    protocol: () => protocolHandler,
    emitApp: (event: string, ...args: unknown[]) => {
      for (const l of appListeners.get(event) ?? []) l(...args);
    },
  };
}
