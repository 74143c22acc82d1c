#!/usr/bin/env node
// `npm start`: opens the desktop window when the Electron runtime is installed; otherwise says so and serves the
// same UI in the browser with `attest serve`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let electronBinary;
try {
  electronBinary = require('electron');
} catch {
  electronBinary = undefined;
}

const run = (command, args) => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  process.on('SIGINT', () => child.kill('SIGINT'));
};

const shell = fileURLToPath(new URL('../dist/src-main/app/main.js', import.meta.url));
if (typeof electronBinary === 'string' && existsSync(shell)) {
  run(electronBinary, [fileURLToPath(new URL('..', import.meta.url))]);
} else {
  console.error(
    'The Electron runtime is not installed (it is an optional download that may be blocked here),\n' +
      'so Attest opens in your browser instead: the same interface, served only to this machine.',
  );
  run(process.execPath, [fileURLToPath(new URL('./attest.js', import.meta.url)), 'serve']);
}
