import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';
import { startDesktopApp } from '../../src-main/app/desktop-app.js';
import { APP_ENTRY, PATH_DIALOG_CHANNEL } from '../../src-main/app/constants.js';
import { ACTION_NAMES, type EngineEvent } from '../../src-main/contract/index.js';
import type { IpcMainInvokeEvent } from '../../src-main/app/electron-api.js';
import { FakeSession, FakeWebContents, fakeElectron } from './fake-electron.js';
import { fakeRenderer } from './serve-helpers.js';
import { kekFilePath } from '../../src-main/app/keychain-kek.js';
import { installationKey, keyFilePath } from '../../src-main/core/audit/installation-key.js';
import { Workspace } from '../../src-main/core/store/workspace.js';

function ipcEvent(sender: { id: number }, url: string, parent: object | null = null): IpcMainInvokeEvent {
  return {
    sender: sender as IpcMainInvokeEvent['sender'],
    senderFrame: { url, parent: parent as IpcMainInvokeEvent['senderFrame'] },
  };
}

test('the Electron shell: hardened window, app:// protocol, no network, IPC checked, engine host crash detected', async () => {
  const home = tempHome('attest-electron');
  const fake = fakeElectron(true);
  const app = await startDesktopApp(fake.api, {
    rendererDir: fakeRenderer(home.dir),
    preloadPath: '/opt/attest/preload.cjs',
    home: home.dir,
  });
  try {
    // Order: the scheme is privileged before ready; the window opens on the app:// entry.
    assert.ok(fake.log.indexOf('registerSchemesAsPrivileged') < fake.log.indexOf('ready'));
    assert.deepEqual(fake.schemes, [
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
    ]);
    assert.equal(fake.windows.length, 1);
    const window = fake.windows[0]!;
    assert.equal(window.url, APP_ENTRY);
    const prefs = window.options.webPreferences;
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.devTools, false, 'devtools are off in a packaged build');
    assert.equal(prefs.preload, '/opt/attest/preload.cjs');

    // Navigation, redirects, new windows and webviews are refused; the app's own pages are allowed.
    const contents = window.webContents;
    assert.equal(contents.fire('will-navigate', 'https://example.com/'), true);
    assert.equal(contents.fire('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(contents.fire('will-navigate', 'app://attest/index.html'), false);
    assert.equal(contents.fire('will-navigate', 'app://other/index.html'), true);
    assert.equal(contents.fire('will-redirect', 'http://127.0.0.1:8080/'), true);
    assert.equal(contents.fire('will-attach-webview'), true);
    assert.deepEqual(contents.openHandler?.({ url: 'https://example.com' }), { action: 'deny' });

    // Every session refuses the network, permissions and the spell checker's downloads.
    for (const session of [fake.defaultSession, new FakeSession()]) {
      if (session !== fake.defaultSession) fake.emitApp('session-created', session);
      assert.deepEqual(session.filter, { urls: ['<all_urls>'] });
      for (const url of [
        'https://example.com/x.js',
        'http://127.0.0.1:1234/',
        'wss://example.com/',
        'file:///etc/passwd',
        'devtools://devtools/x',
      ])
        assert.equal(session.cancels(url), true, url);
      assert.equal(session.cancels('app://attest/assets/app.js'), false);
      let granted: boolean | undefined;
      session.permissionRequest?.({}, 'media', (g) => (granted = g));
      assert.equal(granted, false);
      assert.equal(session.permissionCheck?.(), false);
      assert.equal(session.spellChecker, false);
    }

    // The app:// protocol serves the UI with its CSP, and nothing outside the UI's folder.
    const handler = fake.protocol();
    assert.ok(handler !== undefined);
    const page = await handler(new Request('app://attest/index.html'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /unsafe-eval/);
    assert.match(await page.text(), /Attest test/);
    for (const url of [
      'app://attest/%2e%2e/%2e%2e/etc/passwd',
      'app://attest/..%2fattest.sqlite',
      'app://elsewhere/index.html',
      'app://attest/exports/..%2fattest.sqlite',
    ])
      assert.equal((await handler(new Request(url))).status, 404, url);
    mkdirSync(join(home.dir, 'exports'), { recursive: true });
    writeFileSync(join(home.dir, 'exports', 'report-m-1.html'), '<html>report</html>');
    const exported = await handler(new Request('app://attest/exports/report-m-1.html'));
    assert.equal(await exported.text(), '<html>report</html>');

    // IPC: one handler per action of the contract and the system's open dialog, nothing else.
    assert.deepEqual(
      [...fake.ipcHandlers.keys()].sort(),
      [...ACTION_NAMES.map((a) => `attest:${a}`), PATH_DIALOG_CHANNEL].sort(),
    );
    const info = fake.ipcHandlers.get('attest:engine.info')!;
    const trusted = ipcEvent(contents, 'app://attest/index.html');
    const answer = (await info(trusted, {})) as { ok: boolean; value: { home: string } };
    assert.equal(answer.ok, true);
    assert.equal(answer.value.home, home.dir, 'answered by the real engine host');
    for (const [event, why] of [
      [ipcEvent(contents, 'https://evil.example/'), 'a page that navigated away'],
      [ipcEvent(contents, 'app://attest/index.html', { url: 'app://attest/' }), 'an iframe'],
      [ipcEvent(new FakeWebContents(), 'app://attest/index.html'), 'a window the app did not create'],
      [{ sender: contents, senderFrame: null } as IpcMainInvokeEvent, 'a frame that is gone'],
    ] as const) {
      const refused = (await info(event, {})) as { ok: boolean; error: { message: string } };
      assert.equal(refused.ok, false, why);
      assert.match(refused.error.message, /refused/);
    }
    // The signing key made by the engine host is wrapped under a key only the OS keychain (safeStorage) opens:
    // the key file and the keychain file are both opaque, and the command line, without the keychain, is told so.
    const checkpoint = fake.ipcHandlers.get('attest:audit.checkpoint')!;
    const signed = (await checkpoint(trusted, {})) as { ok: boolean; value: { keyId: string } };
    assert.equal(signed.ok, true);
    const keyFile = JSON.parse(readFileSync(keyFilePath(home.dir), 'utf8')) as {
      protector: string;
      wrappedPkcs8: string;
    };
    assert.equal(keyFile.protector, 'os-keychain');
    assert.throws(() =>
      createPrivateKey({ key: Buffer.from(keyFile.wrappedPkcs8, 'base64'), format: 'der', type: 'pkcs8' }),
    );
    assert.equal(
      readFileSync(kekFilePath(home.dir)).length,
      48,
      'the keychain ciphertext of 32 bytes in base64',
    );
    const cli = Workspace.open(home.dir);
    try {
      assert.throws(() => installationKey(cli), /protected by "os-keychain".*desktop app/);
    } finally {
      cli.close();
    }
    const start = fake.ipcHandlers.get('attest:jobs.start')!;
    const bad = (await start(trusted, { kind: 'shell', command: 'rm -rf /' })) as {
      ok: boolean;
      error: { code: string };
    };
    assert.deepEqual(bad.ok, false);
    assert.equal(bad.error.code, 'BAD_INPUT');

    // The engine host runs in the utility process; when it dies the window hears of it and a new one serves.
    assert.equal(fake.log.filter((l) => l === 'utilityProcess.fork').length, 1);
    const firstPid = app.engine.pid;
    assert.equal(firstPid, fake.utilityChildren[0]?.pid);
    const crashed = new Promise<void>((resolve) => {
      const stop = app.engine.onEvent((event: EngineEvent) => {
        if (event.type === 'engine.crashed') {
          stop();
          resolve();
        }
      });
    });
    fake.utilityChildren[0]?.kill();
    await crashed;
    assert.ok(
      contents.sent.some(
        (s) => s.channel === 'attest:event' && (s.args[0] as EngineEvent).type === 'engine.crashed',
      ),
    );
    const again = (await info(trusted, {})) as { ok: boolean };
    assert.equal(again.ok, true);
    assert.notEqual(app.engine.pid, firstPid);
    assert.equal(fake.log.filter((l) => l === 'utilityProcess.fork').length, 2);
  } finally {
    await app.engine.close();
    home.cleanup();
  }
});

test('devtools stay available in a development build, still without network', async () => {
  const home = tempHome('attest-electron');
  const fake = fakeElectron(false);
  const app = await startDesktopApp(fake.api, {
    rendererDir: fakeRenderer(home.dir),
    preloadPath: '/p.cjs',
    home: home.dir,
  });
  try {
    assert.equal(fake.windows[0]?.options.webPreferences.devTools, true);
    assert.equal(fake.defaultSession.cancels('devtools://devtools/bundled/inspector.html'), false);
    assert.equal(fake.defaultSession.cancels('https://chrome-devtools-frontend.appspot.com/x'), true);
  } finally {
    await app.engine.close();
    home.cleanup();
  }
});

test("the preload exposes exactly the contract's actions and an event subscription, never ipcRenderer", () => {
  const invoked: { channel: string; payload: unknown }[] = [];
  const listeners = new Map<string, unknown>();
  let exposed: { key: string; api: Record<string, unknown> } | undefined;
  const fakeModule = {
    webUtils: {
      getPathForFile: (file: { dropped?: string }) => {
        if (file.dropped === undefined) throw new Error('not a file of the page');
        return file.dropped;
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, api: Record<string, unknown>) => (exposed = { key, api }),
    },
    ipcRenderer: {
      invoke: async (channel: string, payload: unknown) => invoked.push({ channel, payload }),
      on: (channel: string, listener: unknown) => listeners.set(channel, listener),
      removeListener: (channel: string) => listeners.delete(channel),
    },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request: string, ...rest: unknown[]) =>
    request === 'electron' ? fakeModule : original(request, ...rest);
  try {
    const require = createRequire(import.meta.url);
    require(fileURLToPath(new URL('../../src-main/preload/preload.cjs', import.meta.url)));
  } finally {
    loader._load = original;
  }
  assert.equal(exposed?.key, 'attest');
  assert.deepEqual(Object.keys(exposed?.api ?? {}).sort(), [
    'actions',
    'exportUrl',
    'onEvent',
    'pathForFile',
    'pickPath',
  ]);
  const actions = exposed?.api['actions'] as Record<string, (p: unknown) => Promise<unknown>>;
  assert.deepEqual(Object.keys(actions).sort(), [...ACTION_NAMES].sort());
  assert.ok(Object.isFrozen(actions));
  void actions['jobs.cancel']?.({ jobId: 'q-1' });
  assert.deepEqual(invoked, [{ channel: 'attest:jobs.cancel', payload: { jobId: 'q-1' } }]);
  const onEvent = exposed?.api['onEvent'] as (l: (e: unknown) => void) => () => void;
  const seen: unknown[] = [];
  const stop = onEvent((e) => seen.push(e));
  (listeners.get('attest:event') as (event: unknown, payload: unknown) => void)(
    { sender: 'hidden' },
    { type: 'x' },
  );
  assert.deepEqual(seen, [{ type: 'x' }], 'the IPC event object itself never reaches the page');
  stop();
  assert.equal(listeners.has('attest:event'), false);
  assert.equal(
    (exposed?.api['exportUrl'] as (n: string) => string)('report a.html'),
    'app://attest/exports/report%20a.html',
  );
  invoked.length = 0;
  void (exposed?.api['pickPath'] as (r: unknown) => Promise<unknown>)({ kind: 'folder' });
  assert.deepEqual(invoked, [{ channel: PATH_DIALOG_CHANNEL, payload: { kind: 'folder' } }]);
  const pathForFile = exposed?.api['pathForFile'] as (f: unknown) => string;
  assert.equal(pathForFile({ dropped: '/data/mitdb' }), '/data/mitdb');
  assert.equal(pathForFile({}), '', 'a file without a path gives an empty answer, not an exception');
});

test("the system's open dialog answers the app's window only, with the options the form asked for", async () => {
  const home = tempHome('attest-electron');
  const fake = fakeElectron(true);
  const app = await startDesktopApp(fake.api, {
    rendererDir: fakeRenderer(home.dir),
    preloadPath: '/p.cjs',
    home: home.dir,
  });
  try {
    const pick = fake.ipcHandlers.get(PATH_DIALOG_CHANNEL)!;
    const contents = fake.windows[0]!.webContents;
    fake.dialogAnswers.push({ canceled: false, filePaths: ['/data/a.h5', '/data/b.h5'] });
    const chosen = (await pick(ipcEvent(contents, 'app://attest/index.html'), {
      kind: 'file',
      multiple: true,
      extensions: ['.h5', '.json'],
    })) as { paths: string[] };
    assert.deepEqual(chosen, { paths: ['/data/a.h5', '/data/b.h5'] });
    assert.deepEqual(fake.dialogRequests, [
      {
        title: 'Choose a file',
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: '.h5, .json', extensions: ['h5', 'json'] },
          { name: 'All files', extensions: ['*'] },
        ],
      },
    ]);
    fake.dialogAnswers.push({ canceled: true, filePaths: ['/ignored'] });
    assert.deepEqual(await pick(ipcEvent(contents, 'app://attest/index.html'), { kind: 'folder' }), {
      paths: [],
    });
    const refused = (await pick(ipcEvent(contents, 'https://evil.example/'), { kind: 'folder' })) as {
      paths: string[];
      refused?: string;
    };
    assert.deepEqual(refused.paths, []);
    assert.match(refused.refused ?? '', /not the app/);
    const bad = (await pick(ipcEvent(contents, 'app://attest/index.html'), { kind: 'disk' })) as {
      refused?: string;
    };
    assert.match(bad.refused ?? '', /not a file or folder request/);
    assert.equal(fake.dialogRequests.length, 2, 'refused requests open no dialog');
  } finally {
    await app.engine.close();
    home.cleanup();
  }
});
