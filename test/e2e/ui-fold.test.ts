import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { formatLoss } from '../../src-main/core/util/loss-format.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');

/** Whether the whole element is inside the 1366 x 768 window as it is scrolled now. */
async function inView(page: Page, element: Locator): Promise<boolean> {
  const box = await element.boundingBox();
  const viewport = page.viewportSize();
  return box !== null && viewport !== null && box.y >= 0 && box.y + box.height <= viewport.height + 0.5;
}

test(
  'at 1366 x 768: the wizard’s Next and sign-in above the fold, training progress and curves brought into view, the loss label is the stored epoch loss',
  { skip: chromiumMissing(), timeout: 180_000 },
  async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), `the UI is not built at ${RENDERER}`);
    const home = tempHome('attest-e2e-fold');
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      assert.ok(await inView(page, page.getByRole('button', { name: 'Next', exact: true })), 'Next');
      assert.ok(await inView(page, page.getByRole('button', { name: 'Set up accounts' })), 'accounts');
      // Typed into a long step (the records list): Next stays at the bottom of the window.
      await page.getByRole('radio', { name: /WFDB records/ }).check();
      assert.ok(await inView(page, page.getByRole('button', { name: 'Next', exact: true })), 'Next (WFDB)');
      await page.screenshot({ path: join(ARTIFACTS, 'fold-1366-datasets.png') });

      // A small dataset stored beside the running server, as an import job would.
      const workspace = Workspace.open(home.dir);
      try {
        importSyntheticEcgDataset(
          workspace,
          { name: 'fold', records: 4, seconds: 30, seed: 2, split: parseSplitSpec('records:1:0.25') },
          quietContext(),
        );
      } finally {
        workspace.close();
      }
      await page.reload();
      await page.locator('nav button.nav').filter({ hasText: 'Train' }).click();
      await page.getByRole('heading', { level: 1, name: 'Train a baseline model' }).waitFor();
      await page.getByRole('radio', { name: /Quick look/ }).check();
      await page.getByRole('button', { name: 'Start training' }).click();
      const progress = page.getByRole('progressbar').first();
      await progress.waitFor();
      const curves = page.getByTestId('loss-curve');
      await curves.locator('.main-svg').first().waitFor();
      assert.ok(await inView(page, progress), 'the progress bar is in view after Start');
      assert.ok(await inView(page, curves), 'the loss curve is in view after Start');
      await page.screenshot({ path: join(ARTIFACTS, 'fold-1366-training.png') });

      // Once the epoch is stored, the label under the curve is its loss as stored, four decimals.
      await page
        .locator('[data-testid="job"][data-kind="train"][data-state="succeeded"]')
        .waitFor({ timeout: 150_000 });
      const latest = page.getByTestId('loss-latest');
      await latest.getByText(/^Latest: epoch 1: loss /).waitFor();
      const reader = Workspace.open(home.dir);
      let stored: number;
      try {
        const row = reader.db.prepare('SELECT metrics_json FROM checkpoints WHERE epoch = 1').get() as {
          metrics_json: string;
        };
        stored = (JSON.parse(row.metrics_json) as { loss: number }).loss;
      } finally {
        reader.close();
      }
      assert.equal(await latest.innerText(), `Latest: epoch 1: loss ${formatLoss(stored)}`);
      assert.deepEqual(watched.outside, []);
      assert.deepEqual(watched.errors, []);
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
    }
  },
);
