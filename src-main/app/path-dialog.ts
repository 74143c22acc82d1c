import { z } from 'zod';
import type { BrowserWindowInstance, ElectronApi } from './electron-api.js';
import { PATH_DIALOG_CHANNEL } from './constants.js';
import { trustedSender } from './ipc.js';

/** What a form may ask of the system's open dialog: files or folders, one or several, with a filter. */
export const pathDialogRequestSchema = z.strictObject({
  kind: z.enum(['file', 'folder']),
  multiple: z.boolean().optional(),
  title: z.string().max(200).optional(),
  extensions: z
    .array(z.string().regex(/^\.[A-Za-z0-9.]{1,12}$/))
    .max(20)
    .optional(),
});
export type PathDialogRequest = z.infer<typeof pathDialogRequestSchema>;

/** The chosen paths; empty when the user cancelled (or the request was refused: then `refused` says why). */
export interface PathDialogAnswer {
  paths: string[];
  refused?: string;
}

/** Electron's dialog options for a request: the filter takes extensions without their dot. */
export function dialogOptions(request: PathDialogRequest) {
  const properties: string[] = [request.kind === 'folder' ? 'openDirectory' : 'openFile'];
  if (request.multiple === true) properties.push('multiSelections');
  const extensions = (request.extensions ?? []).map((e) => e.slice(1));
  return {
    title: request.title ?? (request.kind === 'folder' ? 'Choose a folder' : 'Choose a file'),
    properties,
    ...(extensions.length > 0
      ? {
          filters: [
            { name: extensions.map((e) => `.${e}`).join(', '), extensions },
            { name: 'All files', extensions: ['*'] },
          ],
        }
      : {}),
  };
}

/**
 * The desktop app's file and folder picker: the system's own dialog, opened on the asking window. Only the
 * app's own page may ask (as for the actions), and the page receives paths the user chose, nothing else.
 */
export function registerPathDialog(
  electron: Pick<ElectronApi, 'ipcMain' | 'dialog'>,
  windows: ReadonlySet<number>,
  windowOf: (senderId: number) => BrowserWindowInstance | undefined,
): void {
  electron.ipcMain.handle(PATH_DIALOG_CHANNEL, async (event, payload): Promise<PathDialogAnswer> => {
    if (!trustedSender(event, windows)) return { paths: [], refused: 'the sender is not the app' };
    const parsed = pathDialogRequestSchema.safeParse(payload ?? {});
    if (!parsed.success) return { paths: [], refused: 'not a file or folder request' };
    const window = windowOf(event.sender.id);
    if (window === undefined) return { paths: [], refused: 'the window is gone' };
    const answer = await electron.dialog.showOpenDialog(window, dialogOptions(parsed.data));
    return { paths: answer.canceled ? [] : answer.filePaths };
  });
}
