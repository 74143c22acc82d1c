import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ATTEST_VERSION } from '../core/util/version.js';
import { resolveHome } from '../core/store/home.js';
import type { EngineEvent } from '../contract/index.js';
import { EngineHostClient } from './dispatch/host-client.js';
import { forkHost } from './dispatch/fork-host.js';
import { EXPORT_NAME } from './dispatch/exports.js';
import { SECURITY_HEADERS, sameToken, tokenOf, trustedHost, trustedOrigin } from './security.js';
import { contentType, defaultRendererDir, readStaticFile, resolveStaticFile } from './static-files.js';
import { parseJsonBody, readBody } from './request-body.js';
import { decodePathSegment } from './url-decoding.js';

const HEARTBEAT_MS = 15_000;

export interface RunningServer {
  server: Server;
  url: string;
  token: string;
  port: number;
  engine: EngineHostClient;
  close(): Promise<void>;
}

export interface ServeOptions {
  port?: number;
  /** The Attest home the engine opens (--home); default ATTEST_HOME or the OS application-data folder. */
  home?: string;
  /** The built UI; default dist/src-renderer beside the compiled server. */
  rendererDir?: string;
  /** A Redis URL (--queue): jobs go on the site's job queue, run by `attest worker` processes. */
  queue?: string;
  /** A PostgreSQL URL (--store): the records on the site store instead of the home's SQLite file. */
  store?: string;
  /** The site's shared artifacts folder (content-addressed); default the home's. */
  artifacts?: string;
  /**
   * A site (`attest site serve`): many users on a network instead of one on this machine. It listens on `host`,
   * over TLS when given a certificate; there is no access token in the address: every request but the sign-in
   * needs a live session of a role that may make it (see engine/site-access.ts).
   */
  site?: SiteServing;
}

export interface SiteServing {
  host: string;
  tls?: { cert: Buffer; key: Buffer };
  session: { maxHours: number; idleMinutes: number };
}

/** HTTP status of a refused site request: 401 without a live session, 403 for a role that may not. */
function statusOf(result: unknown): number {
  const code = (result as { ok?: boolean; error?: { code?: string } }).error?.code;
  return code === 'UNAUTHENTICATED' ? 401 : code === 'FORBIDDEN' ? 403 : 200;
}

const SESSION_COOKIE = 'attest_session';

/**
 * The sign-in session a GET carries (event streams and downloads, which a browser cannot give a header): the
 * header, the address, or the HttpOnly cookie set at sign-in. Actions take the header only, so a cookie alone
 * never makes a change.
 */
function sessionOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers['x-attest-session'];
  const cookie = request.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  const session =
    typeof header === 'string' ? header : (url.searchParams.get('session') ?? cookie ?? undefined);
  return session !== undefined && session.length <= 200 ? session : undefined;
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Attest</title>
<p>The Attest interface is not built in this folder. Run <code>npm run build</code>, then <code>attest serve</code> again.</p>`;

/**
 * `attest serve`: the UI and the engine's actions over HTTP, job events over Server-Sent Events. Loopback only,
 * a random port, and a per-session token on every request (from the address on the first visit, then an
 * HttpOnly SameSite=Strict cookie), so that other local users and web pages cannot drive the engine. The engine
 * itself runs in a child process (the engine host), as it does in the desktop app.
 */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const token = randomBytes(24).toString('hex');
  const home = resolveHome(options.home);
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const engine = new EngineHostClient(() =>
    forkHost(home, options.queue, {
      ...(options.store !== undefined ? { url: options.store } : {}),
      ...(options.artifacts !== undefined ? { artifacts: options.artifacts } : {}),
      ...(options.site !== undefined ? { session: options.site.session } : {}),
    }),
  );
  await engine.start().catch(async (error: unknown) => {
    await engine.close();
    throw error;
  });
  const streams = new Set<ServerResponse>();
  const unsubscribe = engine.onEvent((event: EngineEvent) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });
  let port = 0;

  const site = options.site;
  const scheme = site?.tls !== undefined ? 'https' : 'http';
  /** On a site: whether the request carries a live session (event streams and downloads, outside the engine). */
  const signedIn = async (request: IncomingMessage, url: URL): Promise<boolean> => {
    const session = sessionOf(request, url);
    if (session === undefined) return false;
    const status = await engine.request('session.status', {}, session);
    return status.ok && (status.value as { user: unknown }).user !== null;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (site !== undefined) {
      // Reached by name over the site network: no fixed Host, but a page of another origin may not call.
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `${scheme}://${request.headers.host ?? ''}`) {
        send(response, 403, 'text/plain; charset=utf-8', 'Forbidden: unexpected Origin.\n');
        return;
      }
    } else if (!trustedHost(request, port) || !trustedOrigin(request, port)) {
      send(response, 403, 'text/plain; charset=utf-8', 'Forbidden: unexpected Host or Origin.\n');
      return;
    }
    if (site === undefined && !sameToken(tokenOf(request, url), token)) {
      send(
        response,
        403,
        'text/plain; charset=utf-8',
        'Forbidden: open the address printed by `attest serve` (it carries the session token).\n',
      );
      return;
    }
    if (decodePathSegment(url.pathname) === undefined) {
      send(response, 400, 'text/plain; charset=utf-8', 'Bad request: malformed percent-encoding\n');
      return;
    }
    if (request.method === 'POST' && url.pathname.startsWith('/api/call/')) {
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
        sendJson(response, 415, { ok: false, error: { code: 'BAD_INPUT', message: 'send JSON' } });
        return;
      }
      const body = await readBody(request);
      const parsed = body.ok ? parseJsonBody(body.text) : body;
      if (!parsed.ok) {
        const status = body.ok ? 400 : body.status;
        // After a refused body the connection is not reused: the client may still be sending.
        response.setHeader('Connection', 'close');
        sendJson(response, status, { ok: false, error: { code: 'BAD_INPUT', message: parsed.message } });
        return;
      }
      const payload = parsed.value;
      const session = request.headers['x-attest-session'];
      const action = url.pathname.slice('/api/call/'.length);
      const result = await engine.request(
        action,
        payload,
        typeof session === 'string' && session.length <= 200 ? session : undefined,
        site !== undefined ? (request.socket.remoteAddress ?? 'unknown') : undefined,
      );
      if (site !== undefined && action === 'session.signIn' && result.ok) {
        const { token: signedIn } = result.value as { token: string };
        const secure = site.tls !== undefined ? '; Secure' : '';
        response.setHeader(
          'Set-Cookie',
          `${SESSION_COOKIE}=${signedIn}; HttpOnly; SameSite=Strict; Path=/${secure}`,
        );
      }
      sendJson(response, site !== undefined ? statusOf(result) : 200, result);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
      return;
    }
    if (url.pathname === '/api/health') {
      sendJson(response, 200, { ok: true, value: { version: ATTEST_VERSION } });
      return;
    }
    const open = url.pathname === '/api/health' || !url.pathname.startsWith('/api/');
    if (site !== undefined && !open && !(await signedIn(request, url))) {
      send(response, 401, 'text/plain; charset=utf-8', 'Unauthorized: sign in to the site first.\n');
      return;
    }
    if (url.pathname === '/api/events') {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        Connection: 'keep-alive',
        ...SECURITY_HEADERS,
      });
      response.write(': connected\n\n');
      streams.add(response);
      const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
      request.on('close', () => {
        clearInterval(heartbeat);
        streams.delete(response);
      });
      return;
    }
    const exportMatch = /^\/api\/exports\/([^/]+)$/.exec(url.pathname);
    if (exportMatch !== null) {
      const name = decodePathSegment(exportMatch[1] ?? '');
      if (name === undefined) {
        send(response, 400, 'text/plain; charset=utf-8', 'Bad request: malformed percent-encoding\n');
        return;
      }
      const path = join(home, 'exports', name);
      if (!EXPORT_NAME.test(name) || !existsSync(path)) {
        send(response, 404, 'text/plain; charset=utf-8', 'No such export\n');
        return;
      }
      response.writeHead(200, {
        'Content-Type': contentType(path),
        'Content-Length': statSync(path).size,
        'Content-Disposition': `attachment; filename="${name}"`,
        ...SECURITY_HEADERS,
      });
      createReadStream(path).pipe(response);
      return;
    }
    const file = resolveStaticFile(rendererDir, url.pathname);
    if (file === undefined) {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        send(response, 200, 'text/html; charset=utf-8', NOT_BUILT);
        return;
      }
      send(response, 404, 'text/plain; charset=utf-8', 'Not found\n');
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': contentType(file), ...SECURITY_HEADERS };
    if (file.endsWith('.html') && site === undefined)
      headers['Set-Cookie'] = `attest_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
    response.writeHead(200, headers);
    response.end(readStaticFile(file));
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(response, 500, { ok: false, error: { code: 'INTERNAL', message: String(error) } });
      else response.end();
    });
  };
  const server: Server =
    site?.tls !== undefined
      ? createTlsServer({ cert: site.tls.cert, key: site.tls.key }, listener)
      : createServer(listener);
  const host = site?.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    token,
    port,
    engine,
    url:
      site !== undefined ? `${scheme}://${shownHost}:${port}/` : `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      unsubscribe();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
