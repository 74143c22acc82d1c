import type { HostProcess } from '../server/dispatch/host-client.js';
import { HOST_ENTRY } from '../server/dispatch/fork-host.js';
import type { ElectronApi } from './electron-api.js';
import { KEK_ENVIRONMENT } from '../core/audit/key-protector.js';

/**
 * The engine host in an Electron utility process: TF.js and SQLite off the main process, so a long training
 * never freezes the window, and a crash there is detected (exit event) instead of taking the app down.
 */
export function utilityHost(
  utilityProcess: ElectronApi['utilityProcess'],
  home: string,
  kek?: Buffer,
): HostProcess {
  const child = utilityProcess.fork(HOST_ENTRY, ['--home', home], {
    serviceName: 'Attest engine',
    stdio: 'inherit',
    // The keychain's key-encryption key reaches only this child, which removes it from its environment at start.
    ...(kek !== undefined ? { env: { ...process.env, [KEK_ENVIRONMENT]: kek.toString('base64') } } : {}),
  });
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(code)),
    kill: () => void child.kill(),
  };
}
