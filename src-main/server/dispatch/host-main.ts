/**
 * The engine host process: owns TF.js, the single SQLite writer and the job queue. Started by `attest serve`
 * (child_process.fork) or by the Electron shell (utilityProcess.fork); both give it a message channel to its
 * parent, and it speaks only the messages of contract/host-messages.ts over it.
 */
import { toHostSchema, type FromHost } from '../../contract/host-messages.js';
import { hostname } from 'node:os';
import { Workspace } from '../../core/store/workspace.js';
import { setProcessDesk } from '../../core/audit/log.js';
import { markInterruptedJobs } from '../../core/store/jobs.js';
import { Dispatcher } from './dispatcher.js';
import { HOST_STORE_ENVIRONMENT } from './fork-host.js';
import { KEK_ENVIRONMENT, keychainKekProtector, setKeyProtector } from '../../core/audit/key-protector.js';

interface ParentChannel {
  post(message: FromHost): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Electron's utility process has process.parentPort; a Node child has process.send. */
function parentChannel(): ParentChannel {
  const parentPort = (
    process as NodeJS.Process & {
      parentPort?: {
        postMessage(m: unknown): void;
        on(e: 'message', l: (e: { data: unknown }) => void): void;
      };
    }
  ).parentPort;
  if (parentPort !== undefined) {
    return {
      post: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data)),
    };
  }
  if (process.send === undefined) throw new Error('the engine host must be started with a message channel');
  return {
    post: (message) => process.send?.(message),
    onMessage: (listener) => process.on('message', listener),
  };
}

function argument(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

// The desktop app hands the keychain's key-encryption key over the environment; it is taken out at once so
// that nothing started from here inherits it.
const kek = process.env[KEK_ENVIRONMENT];
delete process.env[KEK_ENVIRONMENT];
if (kek !== undefined && kek !== '') setKeyProtector(keychainKekProtector(Buffer.from(kek, 'base64')));

const storeUrl = process.env[HOST_STORE_ENVIRONMENT];
delete process.env[HOST_STORE_ENVIRONMENT];

const channel = parentChannel();
const home = argument(process.argv.slice(2), '--home');
// On a site store, what no request names (a plain `attest serve --store`) comes from this machine's desk.
if (storeUrl !== undefined && storeUrl !== '') setProcessDesk(`server:${hostname()}`);
// Site mode: the records on the site's PostgreSQL (and the artifacts in its shared folder when given).
const workspace =
  storeUrl !== undefined && storeUrl !== ''
    ? Workspace.openOnPostgres(storeUrl, home, argument(process.argv.slice(2), '--artifacts'))
    : Workspace.open(home);
// Jobs left "running" by a host that crashed are shown as interrupted, not as running forever.
markInterruptedJobs(workspace.db);
const queueUrl = argument(process.argv.slice(2), '--queue');
// A site (`attest site serve`): sessions of the site's lengths, and every action authorized by role.
const sessionHours = argument(process.argv.slice(2), '--site-session-hours');
const idleMinutes = argument(process.argv.slice(2), '--site-idle-minutes');
const dispatcher = new Dispatcher(workspace, (event) => channel.post({ type: 'event', event }), {
  ...(queueUrl !== undefined ? { queueUrl } : {}),
  ...(sessionHours !== undefined && idleMinutes !== undefined
    ? { site: { session: { maxHours: Number(sessionHours), idleMinutes: Number(idleMinutes) } } }
    : {}),
});

channel.onMessage((raw) => {
  const parsed = toHostSchema.safeParse(raw);
  if (!parsed.success) return;
  const { id, action, payload, session, desk } = parsed.data;
  void dispatcher
    .dispatch(action, payload, session, desk)
    .then((result) => channel.post({ type: 'response', id, result }));
});

const shutdown = (): void => {
  workspace.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);
channel.post({ type: 'ready' });
