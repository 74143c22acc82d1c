import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { writeSyntheticMammograms } from '../../src-main/core/data/images/write-synthetic.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { createProject } from '../../src-main/core/projects/projects.js';
import { assignToProject } from '../../src-main/core/projects/project-membership.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function nav(page: Page, section: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^${section}`) }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

async function jobSucceeds(page: Page, kind: string): Promise<void> {
  const selector = `[data-testid="job"][data-kind="${kind}"]`;
  await page.locator(selector).first().waitFor();
  await page.waitForFunction(
    (s) => ['succeeded', 'failed'].includes(document.querySelector(s)?.getAttribute('data-state') ?? ''),
    selector,
    { timeout: 60_000 },
  );
  const job = page.locator(selector).first();
  assert.equal(await job.getAttribute('data-state'), 'succeeded', (await job.textContent()) ?? '');
}

/** Two image datasets with a trained and validated model each, one in the default project, one in "Lines". */
async function seed(home: string, folder: string): Promise<void> {
  await writeSyntheticMammograms({
    out: folder,
    patients: 6,
    imagesPerPatient: 2,
    size: 24,
    seed: 2,
    format: 'dicom',
  });
  await initEngine();
  const workspace = Workspace.open(home);
  try {
    const lines = createProject(workspace.db, 'Lines');
    for (const name of ['seed A', 'seed B']) {
      const dataset = await importImageDataset(
        workspace,
        { format: 'dicom', inputs: [folder], name, height: 16 },
        quietContext(),
      );
      if (name === 'seed B') assignToProject(workspace.db, 'dataset', dataset.datasetId, lines.id);
      const model = await trainModel(
        workspace,
        { datasetId: dataset.datasetId, arch: 'small-cnn', epochs: 1, seed: 1, name: `model of ${name}` },
        quietContext(),
      );
      await validateModel(
        workspace,
        { modelId: model.modelId, datasetId: dataset.datasetId, split: 'test', suites: ['clean'] },
        quietContext(),
      );
    }
  } finally {
    workspace.close();
  }
}

test(
  'projects in the UI: pick, create, rename, move, scoped lists and Pareto plot, a project audit bundle',
  { skip: chromiumMissing(), timeout: 150_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run \`npm run build\``,
    );
    const home = tempHome('attest-e2e-projects');
    const data = mkdtempSync(join(tmpdir(), 'attest-e2e-projects-'));
    const folder = join(data, 'mammograms');
    await seed(home.dir, folder);
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    const picker = page.getByTestId('project-picker');
    const datasetRows = page.getByTestId('datasets-table').locator('tbody tr');
    const paretoPoints = page.getByTestId('pareto').locator('.scatterlayer .trace').first().locator('.point');
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();

      // The default project shows its own dataset only; "Lines" its own; every project both.
      await datasetRows.getByText('seed A').waitFor();
      assert.equal(await datasetRows.count(), 1);
      await picker.getByRole('combobox').selectOption({ label: 'Lines' });
      await datasetRows.getByText('seed B').waitFor();
      assert.equal(await datasetRows.count(), 1);
      await picker.getByRole('checkbox', { name: 'Show every project' }).check();
      await datasetRows.nth(1).waitFor();
      assert.equal(await datasetRows.count(), 2);

      // The Pareto plot follows the project: one model in Lines, both over every project.
      await nav(page, 'Models');
      await page.getByTestId('pareto').locator('.main-svg').first().waitFor();
      await page.waitForFunction(
        () =>
          document.querySelectorAll('[data-testid="pareto"] .scatterlayer .trace:first-child .point')
            .length === 2,
      );
      await picker.getByRole('checkbox', { name: 'Show every project' }).uncheck();
      await page.waitForFunction(
        () =>
          document.querySelectorAll('[data-testid="pareto"] .scatterlayer .trace:first-child .point')
            .length === 1,
      );
      assert.equal(await paretoPoints.count(), 1);
      assert.equal(await page.getByTestId('models-table').locator('tbody tr').count(), 1);
      assert.match((await page.getByTestId('models-table').textContent()) ?? '', /model of seed B/);
      await screenshot(page, 'projects-1-pareto-lines');

      // A new project from the dialog (keyboard: Escape closes it) becomes the current one.
      await picker.getByRole('button', { name: 'Projects…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Projects' });
      await dialog.getByLabel('New project name').fill('Screening 2026');
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await dialog.getByText('Project "Screening 2026" created; it is now the current project.').waitFor();
      await screenshot(page, 'projects-2-dialog');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(
        await picker.getByRole('combobox').inputValue(),
        await currentIdOf(page, 'Screening 2026'),
      );

      // An import lands in the current project.
      await nav(page, 'Datasets');
      await page.getByText('No dataset in this project yet.').waitFor();
      await page.getByTestId('import-project').getByText('Screening 2026').waitFor();
      await page.getByRole('radio', { name: /DICOM images/ }).check();
      await page.getByLabel('Folders with one subfolder per class, one per line').fill(folder);
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByLabel('Dataset name').fill('screening set');
      await page.getByLabel(/Image size for the model/).fill('16');
      await page.getByTestId('split-balance').waitFor();
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await jobSucceeds(page, 'import-images');
      await datasetRows.getByText('screening set').waitFor();
      assert.equal(await datasetRows.count(), 1);
      assert.match((await datasetRows.first().textContent()) ?? '', /Screening 2026/);

      // Rename it and move "seed A" in: its model follows the dataset.
      await picker.getByRole('button', { name: 'Projects…' }).click();
      await dialog.getByLabel('Rename the current project to').fill('Screening West');
      await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
      await dialog.getByText('Renamed to "Screening West".').waitFor();
      await dialog
        .getByLabel('Move into the current project')
        .selectOption({ label: 'dataset seed A (in Default project)' });
      await dialog.getByRole('button', { name: 'Move', exact: true }).click();
      await dialog.getByText('Moved into "Screening West".').waitFor();
      await dialog.getByRole('row', { name: /^Screening West \(current\) 2 1$/ }).waitFor();

      // The project's audit bundle, exported and downloaded.
      await dialog.getByRole('button', { name: 'Export this project’s audit bundle' }).click();
      await jobSucceeds(page, 'audit-bundle-project');
      const link = dialog.getByRole('link', { name: /^Download audit-bundle-prj-/ });
      await link.waitFor();
      const download = await page.request.get(
        new URL((await link.getAttribute('href')) ?? '', page.url()).href,
      );
      assert.equal(download.status(), 200);
      assert.deepEqual([...(await download.body()).subarray(0, 2)], [0x50, 0x4b], 'a zip file');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await datasetRows.nth(1).waitFor();
      assert.equal(await datasetRows.count(), 2);
      assert.equal(
        await picker.getByRole('combobox').locator('option:checked').textContent(),
        'Screening West',
      );
      await screenshot(page, 'projects-3-moved');

      // Every step is in the audit trail, which still verifies.
      await nav(page, 'Audit trail');
      const timeline = (await page.getByTestId('audit-timeline').textContent()) ?? '';
      for (const action of ['project.create', 'project.rename', 'project.assign'])
        assert.ok(timeline.includes(action), `${action} in the timeline`);
      await page.getByRole('button', { name: 'Verify the audit trail' }).click();
      await page
        .getByTestId('verify-status')
        .getByText(/Intact/)
        .waitFor();
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await nav(page, 'Models');
      await screenshot(page, 'projects-4-models-dark');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than 1366 px`);

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } catch (error) {
      await screenshot(page, 'projects-failure').catch(() => undefined);
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

/** The id behind a project name, as the picker's options carry it. */
function currentIdOf(page: Page, name: string): Promise<string> {
  return page
    .getByTestId('project-picker')
    .getByRole('combobox')
    .locator('option', { hasText: name })
    .getAttribute('value')
    .then((v) => v ?? '');
}
