import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is built into dist/src-renderer, beside the compiled main code that serves it (attest serve) or loads
// it through the app:// protocol (Electron). ATTEST_UI_OUT builds elsewhere (a developer's own build folder).
const outDir = process.env['ATTEST_UI_OUT'] ?? fileURLToPath(new URL('./dist/src-renderer', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: {
    outDir,
    // Not emptied here: clean-dist empties dist first, and tsc compiles the renderer's own logic (src/lib) into
    // this folder for its unit tests (test/renderer).
    emptyOutDir: false,
    target: 'es2022',
    // No inline script may appear in index.html: the CSP allows scripts from the app's own files only.
    modulePreload: { polyfill: false },
    // Plotly is one large file by design (its strict bundle, without eval); it is local, never fetched.
    chunkSizeWarningLimit: 6000,
    sourcemap: false,
  },
  server: { host: '127.0.0.1' },
});
