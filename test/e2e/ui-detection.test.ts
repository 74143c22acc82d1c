import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { chromiumMissing, openWatchedPage } from './browser.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listModels } from '../../src-main/core/store/models.js';
import { validationsOfModel } from '../../src-main/core/store/validations.js';
import { formatAp } from '../../src-renderer/src/lib/detection.js';

/** The newest detector evaluation stored in the home, as the detection page reads it. */
function storedEvaluation(home: string): {
  findings: { severity: string; message: string }[];
  intervals: { map50: [number, number] | null };
} {
  const workspace = Workspace.open(home);
  try {
    const evaluations = listModels(workspace.db)
      .flatMap((m) => validationsOfModel(workspace.db, m.id))
      .filter((v) => v.result['evaluation'] !== undefined);
    const newest = evaluations.at(-1);
    assert.ok(newest !== undefined, 'no evaluation stored');
    return newest.result as unknown as ReturnType<typeof storedEvaluation>;
  } finally {
    workspace.close();
  }
}

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Waits for the newest job of a kind to end and asserts that it succeeded. */
async function jobSucceeds(page: Page, kind: string, timeout = 60_000): Promise<void> {
  const selector = `[data-testid="job"][data-kind="${kind}"]`;
  await page.locator(selector).first().waitFor();
  await page.waitForFunction(
    (s) =>
      ['succeeded', 'failed', 'cancelled'].includes(
        document.querySelector(s)?.getAttribute('data-state') ?? '',
      ),
    selector,
    { timeout },
  );
  const job = page.locator(selector).first();
  assert.equal(await job.getAttribute('data-state'), 'succeeded', (await job.textContent()) ?? '');
}

/** Pixels of the reviewer's canvas in the ground-truth colours (found: green, missed: red): boxes are drawn. */
function truthPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="review-canvas"]') as HTMLCanvasElement | null;
    const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    const colours = [
      [0x1a, 0x98, 0x50],
      [0xd7, 0x30, 0x27],
    ];
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      if (colours.some(([r, g, b]) => data[i] === r && data[i + 1] === g && data[i + 2] === b)) n++;
    return n;
  });
}

test(
  'object detection in the UI: generated scenes imported as frames with boxes, a detector trained, evaluated, and its frames reviewed with the keyboard',
  { skip: chromiumMissing(), timeout: 150_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run \`npm run build\``,
    );
    const home = tempHome('attest-e2e-detection');
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();

      // 1. Synthetic insulator scenes for detection: generated into the home, then imported as whole frames.
      await page.getByRole('radio', { name: /Synthetic insulator scenes for detection/ }).check();
      await page.getByLabel(/Number of flights/).fill('3');
      await page.getByRole('button', { name: 'Generate the files' }).click();
      await page.getByTestId('generated').waitFor({ timeout: 30_000 });
      assert.ok(
        await page.getByRole('radio', { name: /Frames with boxes for detection/ }).isChecked(),
        'the wizard moves on to the detection import of what was generated',
      );
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByLabel('Dataset name').fill('e2e scenes');
      await page.getByLabel(/Share of flights for testing/).fill('34');
      assert.match(
        await page.getByTestId('preview-summary').innerText(),
        /boxes from 12 files, 2 classes, 3 flights/,
      );
      await screenshot(page, 'detection-1-import-preview');
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByText('whole, at most 320 pixels on the longest side').waitFor();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await jobSucceeds(page, 'import-detection');

      // 2. The detection view: train one quick epoch at a small input.
      await page.getByRole('button', { name: /Object detection/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Object detection' }).waitFor();
      await page.getByRole('radio', { name: /Quick check/ }).check();
      await page.getByText('Advanced settings').first().click();
      await page.getByLabel(/Detector input/).selectOption('64');
      await page.getByRole('button', { name: 'Train the detector' }).click();
      await jobSucceeds(page, 'detect-train', 90_000);
      await page.getByTestId('detect-loss').locator('.main-svg').first().waitFor();
      await page.getByTestId('detect-train-result').waitFor();

      // 3. Evaluate: AP per class, the means with their explanations, precision-recall curves.
      await page.getByRole('button', { name: /^Evaluate m-/ }).click();
      await jobSucceeds(page, 'detect-evaluate');
      const table = page.getByTestId('detect-ap-table');
      await table.waitFor();
      const rows = await table.locator('tbody tr th').allTextContents();
      assert.deepEqual(rows, ['defect', 'insulator', 'mean']);
      assert.match(await page.getByTestId('detect-map50').innerText(), /(\d+\.\d %|–)[\s\S]*mean of AP@0\.5/);
      // The findings stored with the evaluation, and mAP's bootstrap interval beside it.
      const stored = storedEvaluation(home.dir);
      const findings = page.getByTestId('findings');
      await findings.waitFor();
      if (stored.findings.length === 0)
        assert.equal(await findings.innerText(), 'No automatic finding on this validation.');
      else
        assert.deepEqual(
          await findings.locator('li').allInnerTexts(),
          stored.findings.map((f) => `${f.severity}: ${f.message}`),
        );
      const map = stored.intervals.map50;
      assert.equal(
        (await page.getByTestId('detect-map-interval').innerText()).trim(),
        map === null ? '–' : `${formatAp(map[0])} to ${formatAp(map[1])}`,
      );
      await page.getByTestId('detect-pr').locator('.main-svg').first().waitFor();

      // 4. The frame reviewer: a frame drawn with its boxes, paged with the arrow keys.
      const positionText = page.getByTestId('review-position');
      await positionText.getByText(/^Frame 1 of \d+$/).waitFor({ timeout: 30_000 });
      const frames = Number(/of (\d+)/.exec(await positionText.innerText())?.[1]);
      assert.ok(frames >= 2, `${frames} frames to review`);
      const canvas = page.getByTestId('review-canvas');
      await page.waitForFunction(() => {
        const c = document.querySelector('[data-testid="review-canvas"]') as HTMLCanvasElement | null;
        return c?.dataset['drawn'] === c?.dataset['frame'];
      });
      assert.ok((await truthPixels(page)) > 0, 'ground-truth boxes are drawn on the frame');
      const first = await canvas.getAttribute('data-frame');
      await canvas.focus();
      await page.keyboard.press('ArrowRight');
      await positionText.getByText(`Frame 2 of ${frames}`).waitFor();
      await page.waitForFunction((f) => {
        const c = document.querySelector('[data-testid="review-canvas"]');
        return c !== null && c.getAttribute('data-frame') !== f;
      }, first);
      await page.keyboard.press('ArrowLeft');
      await positionText.getByText(`Frame 1 of ${frames}`).waitFor();
      assert.equal(await canvas.getAttribute('data-frame'), first);
      await screenshot(page, 'detection-2-reviewer');

      // The threshold slider with the keyboard, then only the frames with a missed object.
      const totals = page.getByTestId('review-totals');
      await page.getByTestId('review-slider').focus();
      await page.keyboard.press('End');
      await page.getByTestId('review-threshold').getByText('95 %').waitFor();
      await totals.getByText(/^At 95 %/).waitFor();
      const missedAt95 = Number(/(\d+) missed/.exec(await totals.innerText())?.[1]);
      await page.getByRole('radio', { name: 'frames with a missed object' }).check();
      if (missedAt95 > 0) await positionText.getByText(/^Frame 1 of \d+$/).waitFor();
      else await positionText.getByText('No frame matches.').waitFor();

      // 5. Compress, corruptions and an attack, each a job whose result is drawn (small settings: a quick run).
      await page.getByLabel('Fine-tuning steps after pruning').fill('1');
      await page.getByRole('button', { name: /^Compress m-.* with prune:0\.5,quant:int8$/ }).click();
      await jobSucceeds(page, 'detect-compress');
      await page
        .getByTestId('detect-compress-result')
        .getByText(/mAP@0\.5, parent → child/)
        .waitFor();
      await page.getByTestId('detect-compress-chart').locator('.main-svg').first().waitFor();
      // The parent stays chosen: its robustness is measured next.
      for (const name of ['fog (haze)', 'sun glare', 'blur (motion, focus)', 'video compression (JPEG)'])
        await page.getByRole('checkbox', { name, exact: true }).uncheck();
      for (const level of ['3', '5'])
        await page.getByRole('checkbox', { name: level, exact: true }).uncheck();
      await page.getByRole('button', { name: 'Measure AP under corruptions' }).click();
      await jobSucceeds(page, 'detect-robustness');
      await page.getByTestId('detect-robustness-chart').locator('.main-svg').first().waitFor();
      for (const level of ['1/255', '2/255', '4/255'])
        await page.getByRole('checkbox', { name: level, exact: true }).uncheck();
      await page.getByLabel('Attack steps per frame').fill('1');
      await page.getByRole('button', { name: 'Attack the detector' }).click();
      await jobSucceeds(page, 'detect-attack');
      await page.getByTestId('detect-attack-chart').locator('.main-svg').first().waitFor();

      assert.ok((await horizontalOverflow(page)) <= 0, 'the detection view fits 1366 px');
      await screenshot(page, 'detection-3-stress');
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await screenshot(page, 'detection-4-dark');

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } catch (error) {
      await screenshot(page, 'detection-failure').catch(() => undefined);
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
    }
  },
);
