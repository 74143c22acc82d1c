import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { explainImageFile } from '../../src-main/core/explain/explain-image-file.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e', 'pages');
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Drops a file made of `bytes` on the element, as a file dragged from the desktop would arrive. */
async function dropFile(page: Page, testId: string, name: string, bytes: Buffer): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, data }) => {
      const t = new DataTransfer();
      t.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name));
      return t;
    },
    { name, data: bytes.toString('base64') },
  );
  await page.getByTestId(testId).locator('.drop').dispatchEvent('drop', { dataTransfer: transfer });
}

test(
  'Try it: an image dropped, picked or given by its path gets the model’s answer, every probability and a heat map; other files are refused by name',
  { skip: chromiumMissing(), timeout: 300_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run npm run build`,
    );
    const home = tempHome('attest-e2e-try-image');
    const data = mkdtempSync(join(tmpdir(), 'attest-e2e-try-'));
    const folder = join(data, 'patches');
    await writeSyntheticMammograms({
      out: folder,
      patients: 6,
      imagesPerPatient: 4,
      size: 24,
      seed: 5,
      format: 'png',
    });
    await initEngine('wasm');
    const workspace = Workspace.open(home.dir);
    const imported = await importImageDataset(
      workspace,
      { format: 'images', inputs: [folder], name: 'patches', height: 16, width: 16 },
      quietContext(),
    );
    const trained = await trainModel(
      workspace,
      { datasetId: imported.datasetId, arch: 'small-cnn', epochs: 1, seed: 2 },
      quietContext(),
    );
    await validateModel(
      workspace,
      { modelId: trained.modelId, datasetId: imported.datasetId, split: 'test', suites: ['clean'] },
      quietContext(),
    );
    const classFolder = readdirSync(folder).sort()[0] ?? '';
    const fileName = readdirSync(join(folder, classFolder)).sort()[0] ?? '';
    const path = join(folder, classFolder, fileName);
    // What the engine answers for this file, for the page to show as formatted.
    const expected = await explainImageFile(workspace, { modelId: trained.modelId, image: { path } });
    workspace.close();

    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.locator('nav button.nav').filter({ hasText: 'Validate' }).click();
      await page.getByRole('heading', { level: 1, name: 'Validate a model' }).waitFor();
      const tryIt = page.getByTestId('try-image');
      await tryIt.waitFor();

      const assertShown = async (how: string) => {
        const result = tryIt.getByTestId('try-image-result');
        await result.waitFor();
        assert.equal(await result.getByTestId('try-image-answer').textContent(), expected.predicted, how);
        const rows = await result
          .getByTestId('try-image-probabilities')
          .locator('li')
          .evaluateAll((items) =>
            items.map(
              (li) => `${li.querySelector('.name')?.textContent} ${li.querySelector('.figure')?.textContent}`,
            ),
          );
        assert.deepEqual(
          rows,
          expected.probabilities.map((p) => `${p.label} ${pct(p.probability)}`),
          how,
        );
        assert.match(
          (await result.getByTestId('try-image-preprocessing').textContent()) ?? '',
          /^24 x 24 pixels, resized from 24 x 24 to 16 x 16, in grey, /,
        );
        assert.equal(await result.locator('img').getAttribute('src'), expected.png);
        await tryIt.locator('.main-svg').first().waitFor();
        // The caption says red pushed towards the answer: the top of the colour scale is red, its bottom blue.
        const [bottom, top] = await tryIt
          .getByTestId('attribution-heatmap')
          .locator('.js-plotly-plot')
          .evaluate((plot) => {
            const scale = (plot as unknown as { _fullData: { colorscale: [number, string][] }[] })
              ._fullData[0]?.colorscale;
            return [scale?.[0]?.[1] ?? '', scale?.at(-1)?.[1] ?? ''];
          });
        const rgb = (c: string) => (/rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(c) ?? []).slice(1).map(Number);
        const [topRed = 0, , topBlue = 0] = rgb(top);
        const [bottomRed = 0, , bottomBlue = 0] = rgb(bottom);
        assert.ok(topRed > topBlue && bottomBlue > bottomRed, `high ${top}, low ${bottom}`);
      };

      // Chosen with the file picker: its bytes go with the request.
      await tryIt.getByTestId('try-image-file').setInputFiles(path);
      await assertShown('picked');
      mkdirSync(ARTIFACTS, { recursive: true });
      await tryIt.screenshot({ path: join(ARTIFACTS, 'try-image-1366x768-light.png') });

      // Dropped: a text file is refused by its name; the image is answered.
      await dropFile(page, 'try-image', 'notes.txt', Buffer.from('not an image'));
      assert.match(
        (await tryIt.getByTestId('try-image-error').textContent()) ?? '',
        /^notes\.txt: a \.txt file is not an image Attest reads/,
      );
      assert.equal(await tryIt.getByTestId('try-image-result').count(), 0);
      await dropFile(page, 'try-image', fileName, readFileSync(path));
      await assertShown('dropped');

      // Too big to send from a browser: refused by name before anything is sent, pointing to the path field.
      let sent = 0;
      page.on('request', (r) => {
        if (r.url().includes('models.tryImage')) sent++;
      });
      await tryIt
        .getByTestId('try-image-file')
        .setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: Buffer.alloc(800_000) });
      assert.match(
        (await tryIt.getByTestId('try-image-error').textContent()) ?? '',
        /^scan\.png: is 800 kB; an image sent from the browser may have at most 700 kB\. Give its path/,
      );
      assert.equal(sent, 0);

      // By its path on this computer, checked as it is typed.
      await tryIt.getByTestId('try-image-path').locator('input').fill(path);
      const button = tryIt.getByRole('button', { name: 'Try this file' });
      await button.click();
      await assertShown('by path');
      assert.equal(sent, 1);

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
      rmSync(data, { recursive: true, force: true });
    }
  },
);
