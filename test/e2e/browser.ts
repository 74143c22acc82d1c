import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: the tests never download a browser. */
export const CHROMIUM = process.env['ATTEST_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why the browser tests skip, or false when they run. In CI (CI=true) they always run, and fail without it. */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) || process.env['CI'] === 'true'
    ? false
    : `Chromium is not installed at ${CHROMIUM} (Debian package "chromium"): the browser tests are skipped`;
}

export interface WatchedPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Requests that tried to leave 127.0.0.1:port (refused). */
  outside: string[];
  close(): Promise<void>;
}

/**
 * A page at 1366x768 that records every console error and refuses, and records, any request to anything but
 * the Attest server: the UI must work with no network at all.
 */
export async function openWatchedPage(
  origin: string,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<WatchedPage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Running as root in a container needs --no-sandbox; the page itself is still isolated by the CSP.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    colorScheme,
    acceptDownloads: true,
  });
  const errors: string[] = [];
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return {
    browser,
    context,
    page,
    errors,
    outside,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
}
