import { spawn } from 'node:child_process';
import type { Command } from '../command.js';
import { startServer } from '../../server/serve.js';
import { redisConnection } from '../../server/queue/redis-connection.js';

/**
 * Opens the system browser when there is one: on Linux only with a graphical session (a headless lab server has
 * none, and xdg-open would fall back to a text browser in this terminal). Returns whether it tried.
 */
function openBrowser(url: string): boolean {
  const graphical =
    process.platform !== 'linux' ||
    (process.env['DISPLAY'] ?? '') !== '' ||
    (process.env['WAYLAND_DISPLAY'] ?? '') !== '';
  if (!graphical) return false;
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export const serveCommand: Command = {
  path: ['serve'],
  usage: 'serve [--port N] [--queue redis://HOST:PORT] [--store postgres://...] [--no-open] [--json]',
  summary: 'Serve the Attest UI on 127.0.0.1 (random port, session token in the URL) for a browser',
  booleanFlags: ['no-open'],
  async run({ options, out, signal, home, store }) {
    const port = options.number('port', { min: 0, max: 65535, integer: true });
    const noOpen = options.flag('no-open');
    const queue = options.string('queue');
    options.rejectUnknown();
    if (queue !== undefined) redisConnection(queue);
    const running = await startServer({
      ...(port !== undefined ? { port } : {}),
      ...(home !== undefined ? { home } : {}),
      ...(queue !== undefined ? { queue } : {}),
      ...(store !== undefined ? { store } : {}),
    });
    out.log(`Attest is served at ${running.url}\n(only this machine can reach it; press Ctrl-C to stop)`);
    if (out.json) process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
    if (!noOpen && !out.json && !openBrowser(running.url))
      out.log('No graphical browser here: open the address above in a browser on this machine.');
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await running.close();
  },
};
