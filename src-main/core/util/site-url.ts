/**
 * Host names that never leave the machine: plain http to them carries no password over a network, and a server
 * listening there is reached only from this machine, so both may do without TLS.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The address of a site, as the CLI (`--site`) and the desktop app take it: https, or plain http only to this
 * machine, because every request carries a session token and the sign-in a password. Only the origin is kept.
 */
export function parseSiteUrl(text: string, where = 'the site address'): URL {
  const url = siteUrlOrProblem(text, where);
  if (typeof url === 'string') throw new SiteUrlError(url);
  return url;
}

/** A refused site address; the CLI reports it as bad input (exit 2), the desktop app in its settings. */
export class SiteUrlError extends Error {}

/** The site's origin, or a sentence saying what is wrong with the address (this layer throws no app errors). */
export function siteUrlOrProblem(text: string, where = 'the site address'): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${where} "${text}" is not a URL: give https://HOST:PORT`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `${where} "${text}" is not an http(s) address: give https://HOST:PORT`;
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    return `${where} "${text}" is plain http to another machine: passwords would cross the network in the clear; use https`;
  if (url.username !== '' || url.password !== '')
    return `${where} must not carry a user name or password: use --user and ATTEST_SITE_PASSWORD`;
  return new URL(url.origin);
}
