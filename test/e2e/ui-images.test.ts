import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Mean grey level of the first preview tile, read back from its canvas. */
function firstTileMean(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="image-grid"] canvas') as HTMLCanvasElement | null;
    if (canvas === null) return -1;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += data[i] as number;
    return sum / (data.length / 4);
  });
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test(
  'the import wizard imports DICOM mammograms: grid, window sliders, class balance per split, thumbnails',
  { skip: chromiumMissing(), timeout: 120_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run \`npm run build\``,
    );
    const home = tempHome('attest-e2e-images');
    const data = mkdtempSync(join(tmpdir(), 'attest-e2e-mammo-'));
    const folder = join(data, 'mammograms');
    // Twelve small DICOM files: six patients, two images each.
    await writeSyntheticMammograms({
      out: folder,
      patients: 6,
      imagesPerPatient: 2,
      size: 48,
      seed: 4,
      format: 'dicom',
    });
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.getByTestId('import-project').getByText('Default project').waitFor();

      // 1. The source: DICOM images by class folder.
      await page.getByRole('radio', { name: /DICOM images/ }).check();
      await page.getByLabel('Folders with one subfolder per class, one per line').fill(folder);
      await page.getByRole('button', { name: 'Next', exact: true }).click();

      // 2. The preview: every file found, the patients from the headers, a grid from every class.
      await page.getByLabel('Dataset name').fill('e2e mammograms');
      await page.getByLabel(/Image size for the model/).fill('32');
      const summary = page.getByTestId('preview-summary');
      await summary.waitFor();
      assert.match(await summary.innerText(), /12 images from 12 files, \d classes, 6 patients\./);
      const tiles = page.getByTestId('image-grid').getByRole('img');
      assert.equal(await tiles.count(), 12);
      assert.match(
        (await tiles.first().getAttribute('aria-label')) ?? '',
        /: image-\d+_[LR]_(CC|MLO)\.dcm, [LR] (CC|MLO), 48 x 48 px/,
      );

      // The window: the centre slider moved with the keyboard darkens the image, and is kept for the import.
      const before = await firstTileMean(page);
      assert.ok(before > 0, 'the tile is drawn');
      const centre = page.getByTestId('window-center');
      await centre.focus();
      for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
      await page
        .getByTestId('window-status')
        .getByText(/will be applied to every DICOM image at import/)
        .waitFor();
      const after = await firstTileMean(page);
      assert.ok(
        after < before,
        `a higher centre shows darker grey (${before.toFixed(1)} -> ${after.toFixed(1)})`,
      );

      // The class balance per split: every image counted once, patients kept on one side.
      const balance = page.getByTestId('split-balance');
      const rows = await balance.locator('tbody tr').all();
      assert.ok(rows.length >= 2);
      let train = 0;
      let test = 0;
      for (const row of rows) {
        const cells = await row.locator('td').allTextContents();
        train += Number(cells[1]);
        test += Number(cells[2]);
        assert.equal(
          Number(cells[1]) + Number(cells[2]),
          Number(cells[3]),
          `${cells[0]}: train + test = all`,
        );
      }
      assert.equal(train + test, 12);
      assert.ok(test > 0 && test % 2 === 0, 'two images per patient: whole patients are held out');
      await page.getByTestId('preview-balance').locator('.main-svg').first().waitFor();
      assert.ok((await horizontalOverflow(page)) <= 0, 'the preview fits 1366 px');
      await screenshot(page, 'images-1-preview');

      // 3. Review and import.
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByText(/^centre \d+(\.\d+)?, width \d+/).waitFor();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const job = page.locator('[data-testid="job"][data-kind="import-images"]').first();
      await job.waitFor();
      await page.waitForFunction(
        () =>
          ['succeeded', 'failed'].includes(
            document
              .querySelector('[data-testid="job"][data-kind="import-images"]')
              ?.getAttribute('data-state') ?? '',
          ),
        undefined,
        { timeout: 60_000 },
      );
      assert.equal(await job.getAttribute('data-state'), 'succeeded', (await job.textContent()) ?? '');

      // The dataset, its class balance and its stored images as thumbnails.
      await page.getByTestId('datasets-table').getByText('e2e mammograms').waitFor();
      await page.getByTestId('class-balance').locator('.main-svg').first().waitFor();
      const thumbs = page.getByTestId('dataset-thumbnails').getByRole('img');
      await thumbs.first().waitFor();
      assert.equal(await thumbs.count(), 12);
      assert.match((await thumbs.first().getAttribute('src')) ?? '', /^data:image\/png;base64,/);
      assert.ok(
        await thumbs.first().evaluate((img) => (img as HTMLImageElement).naturalWidth === 32),
        'stored at the chosen size',
      );
      assert.ok((await horizontalOverflow(page)) <= 0, 'the datasets page fits 1366 px');
      await screenshot(page, 'images-2-dataset');
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await screenshot(page, 'images-3-dataset-dark');

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } catch (error) {
      await screenshot(page, 'images-failure').catch(() => undefined);
      throw new Error(
        `${(error as Error).message}\nconsole errors so far: ${JSON.stringify(watched.errors)}`,
        {
          cause: error,
        },
      );
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
      rmSync(data, { recursive: true, force: true });
    }
  },
);
