#!/usr/bin/env node
// `npm start` (after `npm run build`): opens the desktop window when the Electron runtime is installed; otherwise
// says so plainly and serves the same interface to this machine's browser with `attest serve`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const shell = fileURLToPath(new URL('../dist/src-main/app/main.js', import.meta.url));
const ui = fileURLToPath(new URL('../dist/src-renderer/index.html', import.meta.url));

if (!existsSync(ui)) {
  console.error('attest: the interface is not built; run `npm run build` (npm start does it for you).');
  process.exit(1);
}

/** The electron package exports the path of its binary; it is absent when its optional download was blocked. */
function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const run = (command, args) => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
};

const binary = electronBinary();
if (binary !== undefined && existsSync(shell)) {
  run(binary, [root]);
} else {
  console.error(
    'The Electron runtime is not installed (it is an optional download, and it may have been blocked here),\n' +
      'so Attest opens in your browser instead: the same interface, served only to this machine.',
  );
  run(process.execPath, [fileURLToPath(new URL('./attest.js', import.meta.url)), 'serve']);
}
