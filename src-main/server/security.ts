import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The UI's Content Security Policy, shared by `attest serve` and the Electron app:// protocol. Scripts only from
 * the app itself and never eval (Plotly's strict bundle needs none); inline styles are allowed because Plotly
 * positions its SVG with style attributes. Nothing may be fetched from anywhere but the app.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** The session token from the address (first visit), the Authorization header, or the session cookie. */
export function tokenOf(request: IncomingMessage, url: URL): string | undefined {
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

/**
 * Only our own address is accepted in the Host header (a page on another site that rebinds its DNS name to
 * 127.0.0.1 sends its own name), and a cross-site Origin is refused on every request that changes something.
 */
export function trustedHost(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export function trustedOrigin(request: IncomingMessage, port: number): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}
