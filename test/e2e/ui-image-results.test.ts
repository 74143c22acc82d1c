import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';
import { MAMMOGRAM_CLASSES } from '../../src-main/core/data/images/synthetic-mammogram.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listDatasets } from '../../src-main/core/store/datasets.js';
import { listModels } from '../../src-main/core/store/models.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { validationsOfModel } from '../../src-main/core/store/validations.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e', 'pages');
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

test(
  'image datasets: numeric classes named at import, image suites only, corruptions results shown, class axes categorical',
  { skip: chromiumMissing(), timeout: 300_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run npm run build`,
    );
    const home = tempHome('attest-e2e-image-results');
    const data = mkdtempSync(join(tmpdir(), 'attest-e2e-numeric-'));
    const folder = join(data, 'patches');
    // Class folders named 0, 1 and 2, as exported by tools that number their classes.
    await writeSyntheticMammograms({
      out: folder,
      patients: 8,
      imagesPerPatient: 4,
      size: 24,
      seed: 7,
      format: 'png',
    });
    for (const [i, name] of MAMMOGRAM_CLASSES.entries())
      renameSync(join(folder, name), join(folder, String(i)));

    // A real run on the numbered classes: imported as they are, a small CNN, clean metrics and corruptions.
    await initEngine('wasm');
    const workspace = Workspace.open(home.dir);
    const imported = await importImageDataset(
      workspace,
      { format: 'images', inputs: [folder], name: 'numbered patches', height: 16, width: 16 },
      quietContext(),
    );
    const trained = await trainModel(
      workspace,
      { datasetId: imported.datasetId, arch: 'small-cnn', epochs: 1, seed: 2 },
      quietContext(),
    );
    await validateModel(
      workspace,
      {
        modelId: trained.modelId,
        datasetId: imported.datasetId,
        split: 'test',
        suites: ['clean', 'corruptions'],
      },
      quietContext(),
    );
    const stored = validationsOfModel(workspace.db, trained.modelId).at(-1);
    assert.ok(stored !== undefined);
    const corruptions = stored.result['corruptions'] as {
      meanCorruptionAccuracy: number;
      cleanAccuracy: number;
    };
    workspace.close();

    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();

      // Validate: only the suites that apply to images; the corruptions are chosen, the ECG noise test absent.
      await page.locator('nav button.nav').filter({ hasText: 'Validate' }).click();
      await page.getByRole('heading', { level: 1, name: 'Validate a model' }).waitFor();
      await page.getByRole('checkbox', { name: /^Clean/ }).waitFor();
      assert.equal(await page.getByRole('checkbox', { name: /Noise stress test/ }).count(), 0);
      assert.equal(await page.getByRole('checkbox', { name: /^Image corruptions/ }).isChecked(), true);
      assert.match(
        (await page
          .locator('label')
          .filter({ hasText: /^\s*Attack detection/ })
          .textContent()) ?? '',
        /manipulated images/,
      );

      // The corruptions results, from the store.
      const results = page.getByTestId('corruption-results');
      await results.waitFor();
      assert.equal(
        ((await results.getByTestId('corruption-mean').locator('.value').textContent()) ?? '').trim(),
        pct(corruptions.meanCorruptionAccuracy),
      );
      await results.getByTestId('corruption-curves').locator('.scatterlayer .trace').first().waitFor();
      await results.getByTestId('image-corruption-heatmap').locator('.main-svg').first().waitFor();
      // Classes 0, 1 and 2 are categories: ticks at the classes, never at -0.5 or 0.5.
      const matrix = page.getByTestId('confusion-matrix');
      await matrix.locator('.main-svg').first().waitFor();
      const ticks = await matrix.locator('.xtick text').allTextContents();
      assert.deepEqual(ticks, ['0', '1', '2']);
      assert.match((await matrix.locator('figcaption').textContent()) ?? '', /Confusion matrix \(images\)/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'image-results-1366x768-light.png'), fullPage: true });

      // Import the same folder again, naming the numbered classes in the wizard.
      await page.locator('nav button.nav').filter({ hasText: 'Datasets' }).click();
      await page.getByRole('radio', { name: /^Image files/ }).check();
      await page.getByLabel('Folders with one subfolder per class, one per line').fill(folder);
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByLabel('Dataset name').fill('named patches');
      await page.getByTestId('preview-summary').waitFor();
      const names = page.getByTestId('class-names');
      for (const [i, name] of MAMMOGRAM_CLASSES.entries()) await names.getByLabel(`Class ${i}`).fill(name);
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.waitForFunction(() =>
        ['succeeded', 'failed'].includes(
          document
            .querySelector('[data-testid="job"][data-kind="import-images"]')
            ?.getAttribute('data-state') ?? '',
        ),
      );
      assert.equal(
        await page
          .locator('[data-testid="job"][data-kind="import-images"]')
          .first()
          .getAttribute('data-state'),
        'succeeded',
      );
      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } finally {
      await watched.close();
      await server.close();
    }
    const after = Workspace.open(home.dir);
    try {
      const named = listDatasets(after.db).find((d) => d.name === 'named patches');
      assert.ok(named !== undefined, 'the named import is stored');
      assert.deepEqual(loadDataset(after, named.id).classes, [...MAMMOGRAM_CLASSES]);
      assert.equal(listModels(after.db).length, 1);
    } finally {
      after.close();
      home.cleanup();
      rmSync(data, { recursive: true, force: true });
    }
  },
);
