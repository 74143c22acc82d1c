import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { labelsOf, sampleIndices } from '../../src-main/core/data/sample-dataset.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { storeConstantModel, storeOneClassModel } from '../validate/one-class-model.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
// What the reader sees, written here independently of the UI's formatting code.
const percent = (v: number) => `${(v * 100).toFixed(1)} %`;
const points = (p: number) =>
  Number(p.toFixed(1)) === 0 ? '±0.0 points' : `${p > 0 ? '+' : '−'}${Math.abs(p).toFixed(1)} points`;

test(
  'the side-by-side comparison shows each model’s figures, the differences and the changed answers as computed',
  { skip: chromiumMissing(), timeout: 90_000 },
  async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), `the UI is not built at ${RENDERER}`);
    await initEngine();
    const home = tempHome('attest-e2e-compare');
    const workspace = Workspace.open(home.dir);
    let expected: { n: number; nCount: number; sCount: number; datasetId: string; a: string; b: string };
    try {
      const { datasetId, modelId: a } = await storeOneClassModel(workspace);
      const b = await storeConstantModel(workspace, datasetId, 1, 'always S');
      await validateModel(
        workspace,
        { modelId: a, datasetId, split: 'test', suites: ['clean'], policy: { minAccuracy: 0.99 } },
        quietContext(),
      );
      const dataset = loadDataset(workspace, datasetId);
      const labels = labelsOf(dataset, sampleIndices(dataset, 'test'));
      expected = {
        n: labels.length,
        nCount: labels.filter((l) => l === 0).length,
        sCount: labels.filter((l) => l === 1).length,
        datasetId,
        a,
        b,
      };
    } finally {
      workspace.close();
    }
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.locator('nav button.nav').filter({ hasText: 'Models' }).click();
      const panel = page.getByTestId('model-comparison');
      await panel.getByRole('checkbox', { name: /always N/ }).check();
      await panel.getByRole('checkbox', { name: /always S/ }).check();
      await panel.getByRole('button', { name: 'Compare 2 models' }).click();
      const table = panel.getByTestId('comparison-table');
      await table.waitFor();
      const { n, nCount, sCount } = expected;
      assert.equal(
        await table.locator('caption').innerText(),
        `${n} samples (test split of ${expected.datasetId})`,
      );
      const cells = async (id: string) =>
        (await table.locator(`tr[data-model-id="${id}"] td`).allInnerTexts()).map((t) => t.trim());
      const reference = await cells(expected.a);
      assert.match(reference[0] ?? '', new RegExp(`^${percent(nCount / n)} \\(95 % interval `));
      assert.equal(reference[2], 'reference');
      assert.match(reference[4] ?? '', /^FAIL \(/);
      const other = await cells(expected.b);
      assert.match(other[0] ?? '', new RegExp(`^${percent(sCount / n)} `));
      assert.equal(
        other[2]?.startsWith(`accuracy ${points(((sCount - nCount) / n) * 100)}, macro-F1 `),
        true,
      );
      assert.match(
        other[3] ?? '',
        new RegExp(`^${nCount} now wrong, ${sCount} now right: unlikely to be chance`),
      );
      assert.equal(other[4], 'not validated on these samples');
      const classes = panel.getByTestId('comparison-classes');
      const rowN = (await classes.locator('tbody tr').first().locator('td').allInnerTexts()).map((t) =>
        t.trim(),
      );
      assert.deepEqual(rowN, [`${percent(1)} of ${nCount}`, `${percent(0)} of ${nCount} (−${nCount} / +0)`]);
      assert.deepEqual(watched.errors, []);
      assert.deepEqual(watched.outside, []);
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
    }
  },
);
