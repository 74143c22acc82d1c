import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { getModel } from '../../src-main/core/store/models.js';
import { importedModelStatus } from '../../src-main/core/validate/model-suite-status.js';
import {
  methodEvidence,
  recordReproductions,
} from '../../src-main/core/pipelines/methods/method-evidence.js';
import { beatClassifier } from '../onnx/onnx-helpers.js';
import { fixture } from '../import/model-files.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));

async function jobSucceeds(page: Page, kind: string): Promise<void> {
  const selector = `[data-testid="job"][data-kind="${kind}"]`;
  await page.locator(selector).first().waitFor();
  await page.waitForFunction(
    (s) =>
      ['succeeded', 'failed', 'cancelled'].includes(
        document.querySelector(s)?.getAttribute('data-state') ?? '',
      ),
    selector,
    { timeout: 60_000 },
  );
  const job = page.locator(selector).first();
  assert.equal(await job.getAttribute('data-state'), 'succeeded', (await job.textContent()) ?? '');
}

const text = async (page: Page, testId: string): Promise<string> =>
  (await page.getByTestId(testId).innerText()).replace(/\s+/g, ' ').trim();

test(
  'a runtime-only model shows which suites cannot run and why, on the models page and before validating; the import form takes the image normalization; methods not shown carry their evidence note',
  { skip: chromiumMissing(), timeout: 150_000 },
  async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), `the UI is not built at ${RENDERER}`);
    const home = tempHome('attest-e2e-imported-status');
    const h = ['--home', home.dir];
    const importBeatModel = async (activation: 'Erf' | 'Relu'): Promise<string> => {
      const file = join(home.dir, `${activation}.onnx`);
      writeFileSync(file, beatClassifier(activation));
      const r = await runCli([
        'models',
        'import',
        file,
        '--name',
        `vendor ${activation}`,
        '--classes',
        'N,S,V,F,Q',
        '--preset',
        'kachuee2018',
        ...h,
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.json['modelId'] as string;
    };
    const runtimeOnlyId = await importBeatModel('Erf');
    const convertedId = await importBeatModel('Relu');
    const dataset = await runCli([
      'import',
      'wfdb',
      join(REPO_ROOT, 'resources', 'mitdb', '119'),
      join(REPO_ROOT, 'resources', 'mitdb', '208'),
      '--name',
      'kachuee beats',
      '--split',
      'test:119',
      '--duration',
      '30',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(dataset.code, 0, dataset.stderr);

    // The defence reproduced here without its effect (two seeds, figures as `methods reproduce` records them).
    const workspace = Workspace.open(home.dir);
    let status: NonNullable<ReturnType<typeof importedModelStatus>>;
    let defenceNote: string;
    try {
      recordReproductions(workspace, [
        {
          method: 'membership-defense',
          paper: 'Shejwalkar & Houmansadr 2021',
          claim: 'lower attack advantage at a small accuracy cost',
          effect: 'loss-threshold advantage, memorising model minus its student',
          task: 'seeded memorisation task',
          seeds: [1, 2],
          effects: [0.01, -0.02],
          mean: -0.005,
          interval: [-0.2, 0.19],
          verdict: 'inconclusive',
          details: [],
          seconds: 3,
        },
      ]);
      const found = importedModelStatus(getModel(workspace.db, runtimeOnlyId));
      assert.ok(found !== undefined);
      status = found;
      defenceNote = methodEvidence(workspace, 'membership-defense').note;
      assert.equal(importedModelStatus(getModel(workspace.db, convertedId))?.runtimeOnly, null);
    } finally {
      workspace.close();
    }
    assert.equal(status.runtimeOnly?.operator, 'Erf');
    assert.ok(status.suitesNotRun.some((n) => n.suite === 'fgsm'));

    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();

      // 1. The models page: the runtime-only model says so, and lists every suite it cannot run with the reason.
      await page.locator('nav button.nav').filter({ hasText: 'Models' }).click();
      const badge = page.getByTestId(`model-status-${runtimeOnlyId}`);
      await badge.waitFor();
      assert.equal(
        (await badge.locator('summary').innerText()).trim(),
        `ONNX Runtime only (Erf): ${status.suitesNotRun.length} suites cannot run`,
      );
      await badge.locator('summary').click();
      const listed = await badge.locator('li').allInnerTexts();
      assert.deepEqual(
        listed,
        status.suitesNotRun.map((n) => `${n.suite}: ${n.reason}`),
      );
      // The converted model has gradients: only membership (no recorded training data) is listed.
      assert.equal(
        (await page.getByTestId(`model-status-${convertedId}`).locator('summary').innerText()).trim(),
        'one suite cannot run',
      );

      // 2. The import form offers the image normalization (and a custom mean / std), and ONNX files.
      await page.getByRole('button', { name: 'Import model…' }).click();
      const normalize = page.getByTestId('import-model-normalize');
      const options = await normalize
        .locator('option')
        .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
      assert.deepEqual(options, ['', 'unit', 'imagenet', 'symmetric', 'per-image', 'custom']);
      await page.getByLabel('Model file or folder').fill(fixture('torch-cnn2d-opset11.onnx'));
      await page
        .getByTestId('import-model-path-checks')
        .getByText(/file, [\d.]+ kB/)
        .waitFor();
      await page.getByLabel('Name', { exact: true }).fill('vendor image model');
      await page.getByLabel('Input layout').selectOption('channels-first');
      await normalize.selectOption('custom');
      await page.getByLabel(/Mean \/ standard deviation/).fill('0.5');
      await page.getByRole('button', { name: 'Import the model' }).click();
      await page.getByText('Give the mean and standard deviation as MEAN/STD').waitFor();
      await normalize.selectOption('imagenet');
      await page.getByRole('button', { name: 'Import the model' }).click();
      await jobSucceeds(page, 'import-model');
      const listedModels = await runCli(['models', 'list', ...h, '--json']);
      const image = (listedModels.json['models'] as { id: string; name: string }[]).find(
        (m) => m.name === 'vendor image model',
      );
      assert.ok(image !== undefined, listedModels.stdout);
      const check = Workspace.open(home.dir);
      try {
        const contract = getModel(check.db, image.id).config['inputContract'] as {
          image?: { normalize: string; channels: number };
        };
        assert.deepEqual(
          { normalize: contract.image?.normalize, channels: contract.image?.channels },
          { normalize: 'imagenet', channels: 3 },
        );
      } finally {
        check.close();
      }

      // 3. Before validating: the chosen model's status, its impossible suites disabled; nMutant's note.
      await page.locator('nav button.nav').filter({ hasText: 'Validate' }).click();
      const form = page.locator('section[aria-labelledby="validate-form"]');
      await form.locator('select').first().selectOption(runtimeOnlyId);
      const before = await text(page, 'validate-model-status');
      assert.match(before, /runs in ONNX Runtime only: its operator Erf could not be converted/);
      for (const n of status.suitesNotRun) assert.ok(before.includes(`${n.suite}: ${n.reason}`), n.suite);
      const fgsm = form.locator('input[type="checkbox"][value="fgsm"]');
      assert.equal(await fgsm.isDisabled(), true);
      assert.equal(await form.locator('input[type="checkbox"][value="square"]').isDisabled(), false);
      await form.locator('select').first().selectOption(convertedId);
      await form.locator('input[type="checkbox"][value="detection"]').check();
      assert.match(
        await text(page, 'method-evidence-nmutant'),
        /^Effect not measured here\. effect not shown: validate --suite detection \(nMutant\) has not been reproduced/,
      );

      // 4. Where the defence is offered: the latest reproduction did not show its effect, with date and figures.
      await page.locator('nav button.nav').filter({ hasText: 'Compare methods' }).click();
      await page.getByRole('tab', { name: 'Membership defence' }).click();
      const note = await text(page, 'method-evidence-membership-defense');
      assert.ok(note.endsWith(defenceNote), note);
      assert.match(note, /^Effect not shown in the latest reproduction \(\d{4}-\d\d-\d\d, inconclusive\)\./);
      assert.match(note, /mean effect -0\.5 points over 2 seeds, 95% interval -20\.0 to \+19\.0/);

      // 5. Diversity training in the training form: not measured here, said where it is chosen.
      await page.locator('nav button.nav').filter({ hasText: 'Train' }).click();
      await page.getByTestId('advanced-methods').locator('summary').first().click();
      const hardening = page.locator('fieldset:has(legend:text-is("Hardening")) select');
      await hardening.selectOption('diverse');
      assert.match(await text(page, 'method-evidence-diversity-training'), /train --harden diverse/);
      await hardening.selectOption('pgd');
      assert.equal(await page.getByTestId('method-evidence-diversity-training').count(), 0);

      assert.deepEqual(watched.errors, []);
      assert.deepEqual(watched.outside, []);
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
    }
  },
);
