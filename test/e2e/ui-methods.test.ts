import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { listModels } from '../../src-main/core/store/models.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');

/** Waits for the newest job of a kind to end and returns its final state (and its error if it failed). */
async function jobOutcome(page: Page, kind: string, timeout = 120_000): Promise<string> {
  const job = page.locator(`[data-testid="job"][data-kind="${kind}"]`).first();
  await job.waitFor({ timeout: 10_000 });
  await page.waitForFunction(
    (k) => {
      const state = document
        .querySelector(`[data-testid="job"][data-kind="${k}"]`)
        ?.getAttribute('data-state');
      return state === 'succeeded' || state === 'failed' || state === 'cancelled';
    },
    kind,
    { timeout },
  );
  const state = (await job.getAttribute('data-state')) ?? '';
  return state === 'failed' ? `failed: ${await job.locator('.error').textContent()}` : state;
}

async function fitsTheWindow(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} is ${overflow} px wider than the 1366 px window`);
}

test(
  'the UI in Chromium: advanced methods, a cosine policy trained for one epoch, the LR range test and its chart',
  { skip: chromiumMissing(), timeout: 180_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run \`npm run build\``,
    );
    const home = tempHome('attest-e2e-methods');
    const workspace = Workspace.open(home.dir);
    importSyntheticEcgDataset(
      workspace,
      {
        name: 'synthetic patients',
        records: 4,
        seconds: 60,
        seed: 2,
        split: parseSplitSpec('records:1:0.25'),
      },
      quietContext(),
    );
    workspace.close();
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    mkdirSync(ARTIFACTS, { recursive: true });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.getByRole('button', { name: /^Train/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Train a baseline model' }).waitFor();

      // Advanced methods, opened from the keyboard: each control has its explanation beside it.
      const methods = page.getByTestId('advanced-methods');
      await methods.locator('summary').focus();
      await page.keyboard.press('Enter');
      await methods.getByText(/How the learning rate \(the size of each training step\) changes/).waitFor();
      await methods.getByRole('combobox', { name: 'Policy', exact: true }).selectOption('cosine');
      await methods.getByText(/Lowers the rate smoothly along half a cosine/).waitFor();
      assert.equal(await methods.getByRole('textbox', { name: 'Exact setting' }).inputValue(), 'cosine');
      assert.match((await methods.locator('summary').textContent()) ?? '', /learning rate cosine/);
      await fitsTheWindow(page, 'the training view with its advanced methods open');

      await page.getByRole('radio', { name: /Quick look/ }).check();
      await page.getByRole('button', { name: 'Start training' }).click();
      assert.equal(await jobOutcome(page, 'train'), 'succeeded');
      await page.getByTestId('train-result').waitFor();

      // The range test: a chart of loss against rate, and its suggestion becomes the learning rate.
      assert.equal(await methods.getByTestId('learning-rate').textContent(), '0.001');
      await methods.getByRole('button', { name: 'Run a learning-rate range test' }).click();
      assert.equal(await jobOutcome(page, 'lr-find'), 'succeeded');
      const chart = page.getByTestId('lr-range-chart');
      await chart.locator('.scatterlayer .trace').first().waitFor();
      assert.ok((await chart.locator('.scatterlayer .point').count()) >= 10, 'a point per step of the test');
      const suggestion = (await page.getByTestId('lr-suggestion').textContent()) ?? '';
      const suggested = Number(/Suggested learning rate: ([\d.e+-]+)/.exec(suggestion)?.[1]);
      assert.ok(suggested > 0 && suggested < 1, `suggested ${suggested}`);
      assert.match(suggestion, /now set above/);
      assert.equal(
        Number(await methods.getByTestId('learning-rate').textContent()),
        Number(suggested.toPrecision(3)),
        'the suggestion fills in the learning rate',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'methods-1-train.png'), fullPage: true });

      // The comparisons have their own view; it fits the window too.
      await page.getByRole('button', { name: /^Compare methods/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Compare training methods' }).waitFor();
      await page.getByRole('tab', { name: 'Learning-rate policies' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.getByRole('heading', { level: 2, name: 'Semi-supervised training' }).waitFor();
      await fitsTheWindow(page, 'the compare view');
      await page.screenshot({ path: join(ARTIFACTS, 'methods-2-compare.png'), fullPage: true });

      assert.deepEqual(watched.errors, [], 'no console error');
      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
    } finally {
      await watched.close();
      await server.close();
    }
    // The model was trained with the policy chosen in the UI, and it says so.
    const after = Workspace.open(home.dir);
    try {
      const trained = listModels(after.db);
      assert.equal(trained.length, 1);
      assert.equal(trained[0]?.config['lrPolicy'], 'cosine');
      assert.equal(trained[0]?.config['epochs'], 1);
    } finally {
      after.close();
      home.cleanup();
    }
  },
);
