import type { Result } from '../../../../src-main/contract/index.js';

/** How the UI reaches the engine: HTTP + SSE in a browser, the preload's named actions in the desktop app. */
export interface Transport {
  /** `session` is the user's sign-in token (who acts), kept in memory only. */
  call(action: string, payload: unknown, session?: string): Promise<Result<unknown>>;
  subscribe(listener: (event: unknown) => void, onReconnect: () => void): () => void;
  /** Where an exported file can be fetched from (a link the user clicks). */
  exportUrl(name: string): string;
}

/** What the desktop app's preload script puts on window (contextBridge): one function per named action. */
export interface DesktopBridge {
  actions: Record<string, (payload: unknown, session?: string) => Promise<Result<unknown>>>;
  onEvent(listener: (event: unknown) => void): () => void;
  exportUrl(name: string): string;
}

function isJson(response: Response): boolean {
  return (response.headers.get('Content-Type') ?? '').startsWith('application/json');
}

function httpTransport(): Transport {
  return {
    async call(action, payload, session) {
      try {
        const response = await fetch(`./api/call/${encodeURIComponent(action)}`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(session !== undefined ? { 'X-Attest-Session': session } : {}),
          },
          body: JSON.stringify(payload ?? {}),
        });
        // A site answers 401 (not signed in) and 403 (not this role) with the refusal itself.
        if ((response.status === 401 || response.status === 403) && isJson(response))
          return (await response.json()) as Result<unknown>;
        if (response.status === 403)
          return {
            ok: false,
            error: {
              code: 'INTERNAL',
              message: 'the session has ended: open the address `attest serve` printed',
            },
          };
        return (await response.json()) as Result<unknown>;
      } catch (error) {
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `Attest is not reachable: ${(error as Error).message}` },
        };
      }
    },
    subscribe(listener, onReconnect) {
      const source = new EventSource('./api/events');
      let opened = false;
      source.onopen = () => {
        // After a dropped connection, events may have been missed: the lists are fetched again.
        if (opened) onReconnect();
        opened = true;
      };
      source.onmessage = (message: MessageEvent<string>) => {
        try {
          listener(JSON.parse(message.data));
        } catch {
          // a malformed frame is dropped; the next state event carries the whole job again
        }
      };
      return () => source.close();
    },
    exportUrl: (name) => `./api/exports/${encodeURIComponent(name)}`,
  };
}

function desktopTransport(bridge: DesktopBridge): Transport {
  return {
    async call(action, payload, session) {
      const fn = bridge.actions[action];
      if (fn === undefined)
        return { ok: false, error: { code: 'BAD_INPUT', message: `unknown action ${action}` } };
      return fn(payload ?? {}, session);
    },
    subscribe: (listener) => bridge.onEvent(listener),
    exportUrl: (name) => bridge.exportUrl(name),
  };
}

export function chooseTransport(): Transport {
  const bridge = (window as unknown as { attest?: DesktopBridge }).attest;
  return bridge !== undefined ? desktopTransport(bridge) : httpTransport();
}
