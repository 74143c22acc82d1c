import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HostProcess } from './host-client.js';

export const HOST_ENTRY = fileURLToPath(new URL('./host-main.js', import.meta.url));

/** Hands the engine host the site store's URL; not an argument, which other users could read (it may hold a password). */
export const HOST_STORE_ENVIRONMENT = 'ATTEST_HOST_STORE_URL';

/** Where the engine host keeps its records: the home's SQLite file unless a site store is given. */
export interface HostStore {
  /** A PostgreSQL URL (site mode). */
  url?: string;
  /** The site's shared artifacts folder. */
  artifacts?: string;
  /** A site's session lengths: the engine then authorizes every action by role (`attest site serve`). */
  session?: { maxHours: number; idleMinutes: number };
}

/** The engine host as a Node child process with an IPC channel (`attest serve`). */
export function forkHost(home: string | undefined, queueUrl?: string, store: HostStore = {}): HostProcess {
  const args = [
    ...(home !== undefined ? ['--home', home] : []),
    ...(queueUrl !== undefined ? ['--queue', queueUrl] : []),
    ...(store.artifacts !== undefined ? ['--artifacts', store.artifacts] : []),
    ...(store.session !== undefined
      ? [
          '--site-session-hours',
          String(store.session.maxHours),
          '--site-idle-minutes',
          String(store.session.idleMinutes),
        ]
      : []),
  ];
  const env = { ...process.env };
  if (store.url !== undefined) env[HOST_STORE_ENVIRONMENT] = store.url;
  const child = fork(HOST_ENTRY, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env,
  });
  return {
    pid: child.pid,
    postMessage: (message) => child.send(message as object),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(code)),
    kill: () => child.kill('SIGTERM'),
  };
}
