/**
 * The preload script of the sandboxed renderer. A sandboxed preload may require only `electron` (no project
 * module), so the action names are listed here; a test checks that they are exactly the contract's. It
 * exposes one function per named action and an event subscription: never ipcRenderer itself.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer, webUtils } = require('electron') as {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  webUtils: { getPathForFile(file: unknown): string };
  ipcRenderer: {
    invoke(channel: string, payload: unknown, session?: string): Promise<unknown>;
    on(channel: string, listener: (event: unknown, payload: unknown) => void): void;
    removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void;
  };
};

export const PRELOAD_ACTIONS = [
  'engine.info',
  'datasets.list',
  'models.list',
  'datasets.samples',
  'records.strip',
  'validations.list',
  'audit.log',
  'audit.verify',
  'audit.checkpoint',
  'exports.list',
  'exports.verify',
  'session.status',
  'session.signIn',
  'session.signOut',
  'records.sign',
  'signatures.list',
  'records.comment',
  'models.errors',
  'models.explainSample',
  'records.splitPreview',
  'records.comments',
  'users.list',
  'users.add',
  'users.setRole',
  'users.resetPassword',
  'jobs.list',
  'jobs.history',
  'jobs.start',
  'jobs.cancel',
  'comparisons.list',
  'images.preview',
  'images.thumbnails',
  'projects.list',
  'projects.create',
  'projects.rename',
  'projects.assign',
  'projects.startJob',
  'detection.review',
  'files.list',
  'files.check',
  'models.compare',
  'models.tryImage',
  'methods.evidence',
] as const;

const actions: Record<string, (payload: unknown, session?: string) => Promise<unknown>> = {};
for (const action of PRELOAD_ACTIONS) {
  actions[action] = (payload: unknown, session?: string) =>
    ipcRenderer.invoke(`attest:${action}`, payload, typeof session === 'string' ? session : undefined);
}

contextBridge.exposeInMainWorld('attest', {
  actions: Object.freeze(actions),
  onEvent(listener: (event: unknown) => void): () => void {
    const relay = (_event: unknown, payload: unknown): void => listener(payload);
    ipcRenderer.on('attest:event', relay);
    return () => ipcRenderer.removeListener('attest:event', relay);
  },
  exportUrl: (name: string): string => `app://attest/exports/${encodeURIComponent(name)}`,
  /** The system's open dialog (same channel name as PATH_DIALOG_CHANNEL in the main process). */
  pickPath: (request: unknown): Promise<unknown> => ipcRenderer.invoke('attest-dialog:pickPath', request),
  /** The path of a dropped file or folder: the page itself only sees its name. Empty when it has none. */
  pathForFile(file: unknown): string {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  },
});
