import { spawn } from 'node:child_process';
import type { Command } from '../command.js';
import { startServer } from '../../server/serve.js';

/** Opens the system browser when there is one; a headless server simply prints the address. */
function openBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser: the printed address is enough
  }
}

export const serveCommand: Command = {
  path: ['serve'],
  usage: 'serve [--port N] [--no-open] [--json]',
  summary: 'Serve the Attest UI on 127.0.0.1 (random port, session token in the URL) for a browser',
  booleanFlags: ['no-open'],
  async run({ options, out, signal, home }) {
    const port = options.number('port', { min: 0, max: 65535, integer: true });
    const noOpen = options.flag('no-open');
    options.rejectUnknown();
    const running = await startServer({
      ...(port !== undefined ? { port } : {}),
      ...(home !== undefined ? { home } : {}),
    });
    out.log(`Attest is served at ${running.url}\n(only this machine can reach it; press Ctrl-C to stop)`);
    if (out.json) process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
    if (!noOpen && !out.json) openBrowser(running.url);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await running.close();
  },
};
