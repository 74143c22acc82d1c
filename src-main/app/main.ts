/**
 * Electron's entry (package.json "main"). Only this file imports electron; everything else receives the API as
 * a parameter, which keeps the shell testable without the Electron binary.
 */
import { fileURLToPath } from 'node:url';
import { resolveHome } from '../core/store/home.js';
import { defaultRendererDir } from '../server/static-files.js';
import type { ElectronApi } from './electron-api.js';
import { startDesktopApp } from './desktop-app.js';

// Imported by a computed name: electron is optional, so its types may be absent when this compiles.
const electronModule = 'electron';
const electron = (await import(electronModule)) as ElectronApi & { default?: ElectronApi };
await startDesktopApp(electron.default ?? electron, {
  rendererDir: defaultRendererDir(),
  preloadPath: fileURLToPath(new URL('../preload/preload.cjs', import.meta.url)),
  home: resolveHome(),
});
