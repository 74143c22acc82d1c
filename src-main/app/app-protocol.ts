import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_HOST } from './constants.js';
import { CONTENT_SECURITY_POLICY } from '../server/security.js';
import { contentType, resolveStaticFile } from '../server/static-files.js';
import { EXPORT_NAME } from '../server/dispatch/exports.js';
import { decodePathSegment } from '../server/url-decoding.js';

const HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain', ...HEADERS } });
}

function badRequest(): Response {
  return new Response('Bad request: malformed percent-encoding', {
    status: 400,
    headers: { 'Content-Type': 'text/plain', ...HEADERS },
  });
}

/**
 * The app:// protocol: the built UI from its folder (nothing outside it), and exported reports from the home's
 * exports folder by plain file name. Every answer carries the CSP, so it holds even if the page's meta tag
 * were removed.
 */
export function appProtocolHandler(rendererDir: string, home: string): (request: Request) => Response {
  return (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.host !== APP_HOST || request.method !== 'GET') return notFound();
    if (decodePathSegment(url.pathname) === undefined) return badRequest();
    const exportMatch = /^\/exports\/([^/]+)$/.exec(url.pathname);
    if (exportMatch !== null) {
      const name = decodePathSegment(exportMatch[1] ?? '');
      if (name === undefined) return badRequest();
      const path = join(home, 'exports', name);
      if (!EXPORT_NAME.test(name) || !existsSync(path)) return notFound();
      return new Response(readFileSync(path), {
        headers: {
          'Content-Type': contentType(path),
          'Content-Disposition': `attachment; filename="${name}"`,
          ...HEADERS,
        },
      });
    }
    const file = resolveStaticFile(rendererDir, url.pathname);
    if (file === undefined) return notFound();
    return new Response(readFileSync(file), { headers: { 'Content-Type': contentType(file), ...HEADERS } });
  };
}
