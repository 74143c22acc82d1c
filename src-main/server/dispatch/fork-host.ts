import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HostProcess } from './host-client.js';

export const HOST_ENTRY = fileURLToPath(new URL('./host-main.js', import.meta.url));

/** The engine host as a Node child process with an IPC channel (`attest serve`). */
export function forkHost(home: string | undefined, queueUrl?: string): HostProcess {
  const args = [
    ...(home !== undefined ? ['--home', home] : []),
    ...(queueUrl !== undefined ? ['--queue', queueUrl] : []),
  ];
  const child = fork(HOST_ENTRY, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return {
    pid: child.pid,
    postMessage: (message) => child.send(message as object),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(code)),
    kill: () => child.kill('SIGTERM'),
  };
}
