import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');
const SECTIONS = [
  'Datasets',
  'Train a baseline model',
  'Compress a model',
  'Validate a model',
  'Models',
  'Audit trail',
  'Jobs',
  'Compare training methods',
  'Object detection',
];

test(
  'every section is reached with the keyboard alone, fits 1366x768 without sideways scrolling, in both themes',
  { skip: chromiumMissing(), timeout: 120_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run \`npm run build\``,
    );
    const home = tempHome('attest-e2e-keys');
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`, scheme);
      const { page } = watched;
      try {
        await page.goto(server.url);
        await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.dataset['theme']), scheme);
        // Tab from the top of the page: the skip link first, the account (set up or sign in), then the
        // sections in order.
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Set up accounts');
        for (const [index, heading] of SECTIONS.entries()) {
          await page.keyboard.press('Tab');
          await page.keyboard.press('Enter');
          await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          // The section takes the focus, so that the next Tab continues inside it.
          assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          assert.ok(overflow <= 0, `${heading} is ${overflow} px wider than 1366 px`);
          if (index === 0 || index === 3)
            await page.screenshot({ path: join(ARTIFACTS, `keyboard-${scheme}-${index}.png`) });
          // Back to this section's entry in the navigation: the next Tab reaches the next section.
          await page.locator('nav button.nav').nth(index).focus();
        }
        assert.deepEqual(watched.errors, [], 'no console error');
        assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      } finally {
        await watched.close();
      }
    }
    await server.close();
    home.cleanup();
  },
);
