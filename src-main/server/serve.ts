import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ATTEST_VERSION } from '../cli/help.js';

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function rendererFile(name: string): string {
  const candidates = [
    new URL(`../../../src-renderer/${name}`, import.meta.url),
    new URL(`../../src-renderer/${name}`, import.meta.url),
  ];
  const found = candidates.map((u) => fileURLToPath(u)).find((p) => existsSync(p));
  if (found === undefined) throw new Error(`renderer file ${name} not found`);
  return found;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token') ?? undefined;
  if (fromQuery !== undefined) return fromQuery;
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ') === true) return auth.slice(7);
  const cookie = request.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('attest_token='));
  return cookie?.slice('attest_token='.length);
}

export interface RunningServer {
  server: Server;
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Serves the UI on the loopback interface only, on a random port, behind a per-session token: a request
 * without the token is refused, so other local users and web pages cannot drive the engine.
 */
export async function startServer(options: { port?: number } = {}): Promise<RunningServer> {
  const token = randomBytes(24).toString('hex');
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!sameToken(tokenOf(request, url), token)) {
      response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      response.end('Forbidden: open the address printed by `attest serve` (it carries the session token).\n');
      return;
    }
    if (request.method !== 'GET') {
      response.writeHead(405, SECURITY_HEADERS);
      response.end();
      return;
    }
    if (url.pathname === '/api/health') {
      response.writeHead(200, { 'Content-Type': 'application/json', ...SECURITY_HEADERS });
      response.end(JSON.stringify({ ok: true, value: { version: ATTEST_VERSION } }));
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      response.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Set-Cookie': `attest_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
        ...SECURITY_HEADERS,
      });
      response.end(readFileSync(rendererFile('index.html')));
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    response.end('Not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
