import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { siteUrlOrProblem } from '../core/util/site-url.js';

/**
 * The desktop app's "connect to a site" setting: `desktop-site.json` in the app's home, `{ "siteUrl":
 * "https://HOST:PORT", "caFile": "site.pem" }` (caFile relative to the home). When present the window is to
 * load the site's UI instead of the local home, trusting only the certificate in caFile. The logic lives here, in
 * plain Node, so that it is tested without Electron; the shell only asks `certificateIsPinned` per connection.
 */
export const SITE_SETTINGS_FILE = 'desktop-site.json';

export interface SiteConnection {
  site: URL;
  /** The pinned certificate's SHA-256 in Electron's `Certificate.fingerprint` form: "sha256/BASE64". */
  fingerprint: string;
}

/** Electron's fingerprint form of a PEM certificate: "sha256/" and the base64 SHA-256 of its DER bytes. */
export function pemFingerprint(pem: string | Buffer): string {
  const hex = new X509Certificate(pem).fingerprint256.replace(/:/g, '');
  return `sha256/${Buffer.from(hex, 'hex').toString('base64')}`;
}

/**
 * Reads the setting; undefined when the file does not exist (the app then opens its local home). A file that
 * is there but wrong is an error naming the file and the problem: silently falling back to the local home would
 * let a reviewer sign on the wrong store.
 */
export function readSiteConnection(home: string): SiteConnection | undefined {
  const file = join(home, SITE_SETTINGS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${file}: expected an object with "siteUrl" and "caFile"`);
  const record = value as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((k) => k !== 'siteUrl' && k !== 'caFile');
  if (unknownKeys.length > 0)
    throw new Error(`${file}: unknown setting ${unknownKeys.map((k) => `"${k}"`).join(', ')}`);
  const { siteUrl, caFile } = record;
  if (typeof siteUrl !== 'string') throw new Error(`${file}: "siteUrl" must be the site's https address`);
  const site = siteUrlOrProblem(siteUrl, `${file}: "siteUrl"`);
  if (typeof site === 'string') throw new Error(site);
  if (site.protocol !== 'https:') throw new Error(`${file}: "siteUrl" must be https for the desktop app`);
  if (typeof caFile !== 'string' || caFile === '')
    throw new Error(`${file}: "caFile" must name the site's certificate (PEM)`);
  const caPath = join(home, caFile);
  let pem: Buffer;
  try {
    pem = readFileSync(caPath);
  } catch (error) {
    throw new Error(`${file}: "caFile" ${caPath} cannot be read (${(error as Error).message})`);
  }
  try {
    return { site, fingerprint: pemFingerprint(pem) };
  } catch {
    throw new Error(`${file}: "caFile" ${caPath} is not a PEM certificate`);
  }
}

/**
 * Whether a TLS connection may be trusted: only to the configured site's host, and only when the certificate
 * it presented is the pinned one (Electron hands `hostname` and `certificate.fingerprint` to the verify proc).
 */
export function certificateIsPinned(
  connection: SiteConnection,
  request: { hostname: string; fingerprint: string },
): boolean {
  return request.hostname === connection.site.hostname && request.fingerprint === connection.fingerprint;
}
