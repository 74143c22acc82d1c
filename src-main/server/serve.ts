import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  const engine = new EngineHostClient(() => forkHost(home, options.queue));
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

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!trustedHost(request, port) || !trustedOrigin(request, port)) {
      send(response, 403, 'text/plain; charset=utf-8', 'Forbidden: unexpected Host or Origin.\n');
      return;
    }
    if (!sameToken(tokenOf(request, url), token)) {
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
      const result = await engine.request(
        url.pathname.slice('/api/call/'.length),
        payload,
        typeof session === 'string' && session.length <= 200 ? session : undefined,
      );
      sendJson(response, 200, result);
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
    if (file.endsWith('.html'))
      headers['Set-Cookie'] = `attest_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
    response.writeHead(200, headers);
    response.end(readStaticFile(file));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(response, 500, { ok: false, error: { code: 'INTERNAL', message: String(error) } });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    token,
    port,
    engine,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      unsubscribe();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
