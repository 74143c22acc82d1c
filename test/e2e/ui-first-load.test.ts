import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
/** What the first page may load before it is usable: the shell and the Datasets page, never the chart library. */
const FIRST_LOAD_BUDGET_BYTES = 400_000;

test(
  'first load: the Datasets page comes without the chart library and within the size budget (first paint reported)',
  { skip: chromiumMissing(), timeout: 120_000 },
  async (t) => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run npm run build`,
    );
    const home = tempHome('attest-e2e-first-load');
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    const loaded: { url: string; bytes: number }[] = [];
    page.on('response', (response) => {
      const url = response.url();
      if (!/\.(js|css|html)$/.test(new URL(url).pathname) && new URL(url).pathname !== '/') return;
      void response
        .body()
        .then((body) => loaded.push({ url, bytes: body.length }))
        .catch(() => undefined);
    });
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.waitForLoadState('networkidle');
      const paint = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      );
      const total = loaded.reduce((sum, r) => sum + r.bytes, 0);
      t.diagnostic(
        `first contentful paint ${paint === null ? 'not reported' : `${paint.toFixed(0)} ms`}; ` +
          `${loaded.length} files, ${(total / 1000).toFixed(0)} kB: ` +
          loaded.map((r) => `${new URL(r.url).pathname} ${(r.bytes / 1000).toFixed(1)} kB`).join(', '),
      );
      assert.deepEqual(
        loaded.filter((r) => /plotly/i.test(r.url)).map((r) => r.url),
        [],
        'the chart library loads with the first chart, not with the page',
      );
      assert.ok(total > 0 && total < FIRST_LOAD_BUDGET_BYTES, `first load ${total} bytes`);
      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
    }
  },
);
