import { test } from 'node:test';
import { unzipSync } from 'fflate';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { pdfPagesText } from '../audit/pdf-text.js';
import { readWfdbAnnotationFile } from '../../src-main/core/data/wfdb/annotations.js';
import { aamiClassOf } from '../../src-main/core/data/ecg/aami.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { addUser } from '../../src-main/core/audit/users.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
/** Screenshots of each step, kept as test artifacts (gitignored). */
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits for the newest job of a kind to end and returns its final state (and its error if it failed). */
async function jobOutcome(page: Page, kind: string, timeout = 120_000): Promise<string> {
  const job = page.locator(`[data-testid="job"][data-kind="${kind}"]`).first();
  await job.waitFor({ timeout: 10_000 });
  await page.waitForFunction(
    (k) => {
      const el = document.querySelector(`[data-testid="job"][data-kind="${k}"]`);
      const state = el?.getAttribute('data-state');
      return state === 'succeeded' || state === 'failed' || state === 'cancelled';
    },
    kind,
    { timeout },
  );
  const state = (await job.getAttribute('data-state')) ?? '';
  if (state === 'failed') return `failed: ${await job.locator('.error').textContent()}`;
  return state;
}

async function nav(page: Page, section: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^${section}`) }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

const skip = chromiumMissing();
const PASSWORD = 'Tachycardia-Review-2026';

test(
  'the UI in Chromium: import, train, compress, validate, export and verify, offline and without console errors',
  { skip, timeout: 240_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run \`npm run build\` (or vite build with ATTEST_UI_OUT)`,
    );
    const home = tempHome('attest-e2e');
    // An installation with an account: every change needs a signed-in user, and the reviewer signs at the end.
    const workspace = Workspace.open(home.dir);
    addUser(workspace.db, {
      name: 'rhea',
      printedName: 'Dr. Rhea Okafor',
      role: 'administrator',
      password: PASSWORD,
    });
    workspace.close();
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const origin = `http://127.0.0.1:${server.port}`;
    const watched = await openWatchedPage(origin);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Datasets' }).waitFor();
      assert.doesNotMatch(
        page.url(),
        /token/,
        'the session token leaves the address bar once the cookie is set',
      );
      assert.match(
        (await page.getByTestId('backend').textContent()) ?? '',
        /starts with the first job|wasm|tensorflow|cpu/,
      );

      // 0. Sign in: until then the UI says why nothing can be changed.
      await page
        .getByRole('status')
        .getByText(/sign in/)
        .waitFor();
      await page.getByTestId('session').getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Account name').fill('rhea');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('dialog').getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('session').getByText('Signed in: Dr. Rhea Okafor (administrator)').waitFor();

      // 1. Import three bundled MIT-BIH records (two minutes of each), record 119 held out for testing.
      await page.getByRole('checkbox', { name: 'Record 100' }).check();
      await page.getByRole('checkbox', { name: 'Record 106' }).check();
      await page.getByRole('checkbox', { name: 'Record 119' }).check();
      await page.getByRole('checkbox', { name: 'Record 208' }).uncheck();
      await page.getByRole('checkbox', { name: 'Record 209' }).uncheck();
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByLabel('Dataset name').fill('e2e sample');
      await page.getByRole('radio', { name: 'These records' }).check();
      await page.getByLabel('Test records, comma-separated').fill('119');
      await page.getByRole('checkbox', { name: /Use only the first part/ }).check();
      await page.getByLabel('Seconds per record').fill('120');
      // Before importing: the beats on each side by class, as the records' annotations give them.
      const sideCounts = async (side: 'train' | 'test'): Promise<string[]> =>
        (await page.getByTestId(`split-side-${side}`).locator('td').allTextContents()).map((t) => t.trim());
      await page.getByTestId('split-side-test').getByText('119', { exact: true }).waitFor();
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="split-side-train"] td')?.textContent?.includes('100, 106'),
      );
      for (const [side, records] of [
        ['train', ['100', '106']],
        ['test', ['119']],
      ] as const) {
        const expected = { N: 0, S: 0, V: 0, F: 0, Q: 0 } as Record<string, number>;
        for (const record of records)
          for (const a of readWfdbAnnotationFile(resourcePath('mitdb', `${record}.atr`)).annotations) {
            const k = aamiClassOf(a.symbol);
            if (k !== undefined && a.sample < 120 * 360) expected[k] = (expected[k] ?? 0) + 1;
          }
        assert.deepEqual(await sideCounts(side), [
          records.join(', '),
          ...['N', 'S', 'V', 'F', 'Q'].map((k) => (expected[k] ?? 0).toLocaleString('en-US')),
        ]);
      }
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page
        .getByTestId('split-words')
        .getByText('record 119 for testing, the others for training')
        .waitFor();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      assert.equal(await jobOutcome(page, 'import-wfdb'), 'succeeded');
      await page.getByTestId('datasets-table').getByText('e2e sample').waitFor();
      await page.getByTestId('class-balance').locator('.main-svg').first().waitFor();
      // The recording viewer: reference labels over the trace, scrolled with the arrow keys.
      const strip = page.getByTestId('ecg-strip');
      await strip.locator('.textpoint').first().waitFor();
      assert.match((await strip.textContent()) ?? '', /Record 100, 0\.0 s to 10\.0 s of 1806 s/);
      await strip.focus();
      await page.keyboard.press('ArrowRight');
      await strip.getByText(/Record 100, 5\.0 s to 15\.0 s/).waitFor();
      await screenshot(page, '1-import');

      // 2. Train briefly, with the live curves.
      await nav(page, 'Train');
      await page.getByRole('radio', { name: /Quick look/ }).check();
      await page.getByRole('button', { name: 'Start training' }).click();
      assert.equal(await jobOutcome(page, 'train'), 'succeeded');
      await page.getByTestId('train-result').waitFor();
      assert.ok(
        (await page.getByTestId('loss-curve').locator('.scatterlayer .point').count()) >= 1,
        'the loss curve has a point per epoch',
      );
      await screenshot(page, '2-train');

      // A long training is cancelled from its progress bar.
      await page.getByRole('radio', { name: /Thorough/ }).check();
      await page.getByRole('button', { name: 'Start training' }).click();
      const longJob = page.locator('[data-testid="job"][data-kind="train"][data-state="running"]').first();
      await longJob.waitFor();
      await longJob.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await jobOutcome(page, 'train'), 'cancelled');

      // 3. Compress: prune 80 % and int8, one fine-tuning epoch.
      await nav(page, 'Compress');
      assert.equal(await page.getByTestId('recipe').textContent(), 'prune:0.80,quant:int8');
      await page.getByRole('button', { name: 'Compress', exact: true }).click();
      assert.equal(await jobOutcome(page, 'compress'), 'succeeded');
      await page.getByTestId('compress-result').waitFor();
      // The fine-tuning's loss was drawn batch by batch as it ran, labelled like the progress line.
      const fineTune = page.getByTestId('fine-tune-curve');
      await fineTune.locator('.scatterlayer .point').first().waitFor();
      assert.match(
        (await page.getByTestId('fine-tune-latest').textContent()) ?? '',
        /^Latest: epoch 1, \d+ % done: loss so far \d+\.\d{4}$/,
      );
      await screenshot(page, '3-compress');

      // 4. Validate the compressed model on the held-out record: clean, calibration, FGSM, noise and the
      //    disagreement with its parent, with the gallery of changed beats.
      await nav(page, 'Validate');
      await page.getByText('Settings of the suites').click();
      await page.getByLabel('Attack strengths (epsilons), comma-separated').fill('0.02, 0.1');
      await page.getByLabel('Signal-to-noise ratios in dB, comma-separated').fill('12, 0');
      await page.getByRole('checkbox', { name: /Disagreement with the parent/ }).check();
      await page.getByRole('button', { name: 'Validate', exact: true }).click();
      assert.equal(await jobOutcome(page, 'validate'), 'succeeded');
      await page.getByTestId('confusion-matrix').locator('.main-svg').first().waitFor();
      await page.getByTestId('roc-curves').locator('.scatterlayer .trace').first().waitFor();
      await page.getByTestId('reliability').locator('.main-svg').first().waitFor();
      await page.getByTestId('attack-curves').locator('.scatterlayer .point').first().waitFor();
      await page.getByTestId('noise-curve').locator('.scatterlayer .point').first().waitFor();
      await page.getByTestId('corruption-heatmap').locator('.main-svg').first().waitFor();
      await page.getByTestId('disagreement-gallery').waitFor();
      assert.match((await page.getByTestId('metric-accuracy').textContent()) ?? '', /\d+\.\d %/);
      await screenshot(page, '4-validate');

      // 4b. Sign the validation as approved: the password again, a reason, the record version bound.
      await page.getByRole('button', { name: 'Sign this validation…' }).click();
      const signDialog = page.getByRole('dialog', { name: /Sign validation/ });
      await signDialog.getByRole('radio', { name: 'Approved' }).check();
      await signDialog.getByLabel('Reason or comment (optional)').fill('end-to-end test run');
      await signDialog.getByLabel('Your password, again').fill(PASSWORD);
      await screenshot(page, '4b-sign-dialog');
      await signDialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await page
        .getByTestId('signature')
        .getByText(/approved by Dr\. Rhea Okafor \(administrator\)/)
        .waitFor();

      // 4b'. The error browser: the model's mistakes on the test set, as the engine lists them for this model.
      const summary = page.getByTestId('errors-summary');
      await summary.waitFor();
      const [, wrongText, totalText] =
        /^(\d+) of (\d+) wrong/.exec((await summary.textContent()) ?? '') ?? [];
      const reader0 = Workspace.open(home.dir);
      const shownValidation = reader0.db
        .prepare(
          'SELECT model_id AS modelId, dataset_id AS datasetId FROM validations ORDER BY created_at DESC LIMIT 1',
        )
        .get() as { modelId: string; datasetId: string };
      reader0.close();
      const listed = await page.evaluate(async (request) => {
        const response = await fetch('./api/call/models.errors', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(request),
        });
        return (await response.json()) as { ok: boolean; value?: { wrong: number; samples: number } };
      }, shownValidation);
      assert.equal(Number(wrongText), listed.value?.wrong, 'mistakes shown vs the engine');
      assert.equal(Number(totalText), listed.value?.samples);
      assert.equal(await page.getByTestId('error-sample').count(), Math.min(24, Number(wrongText)));
      // "Try it" on the first mistake: the answer shown is the one listed, with every class's probability.
      if (Number(wrongText) > 0) {
        const first = page.getByTestId('error-sample').first();
        const listedAnswer = /answered (\S+) at/.exec((await first.textContent()) ?? '')?.[1];
        await first.getByRole('button', { name: 'Why?' }).click();
        await page.getByTestId('explained-answer').waitFor();
        assert.equal(await page.getByTestId('explained-answer').textContent(), listedAnswer);
        assert.equal(await page.getByTestId('explained-probabilities').locator('li').count(), 5);
      }

      // 4c. A reviewer's comment: shown under the sign-off with its author, and kept in the audit trail.
      const remark = 'V sensitivity is close to the limit: re-check on the next records.';
      await page.getByTestId('comment-text').fill(remark);
      await page.getByRole('button', { name: 'Add comment' }).click();
      await page.getByTestId('record-comment').getByText(remark).waitFor();
      assert.match((await page.getByTestId('record-comment').textContent()) ?? '', /rhea,/);
      const reader = Workspace.open(home.dir);
      const commented = reader.db
        .prepare(`SELECT actor, payload_json FROM audit_events WHERE action = 'record.comment'`)
        .all() as { actor: string; payload_json: string }[];
      reader.close();
      assert.equal(commented.length, 1);
      assert.equal(commented[0]?.actor, 'user:rhea');
      assert.equal((JSON.parse(commented[0]?.payload_json ?? '{}') as { text?: string }).text, remark);

      // 5. Export the compressed model's report and download it.
      await nav(page, 'Models');
      await page.getByTestId('pareto').locator('.scatterlayer .point').first().waitFor();
      await page.getByRole('button', { name: 'Measure', exact: true }).first().click();
      assert.equal(await jobOutcome(page, 'measure'), 'succeeded');
      await page
        .getByTestId('models-table')
        .getByText(/FLOPs$/)
        .first()
        .waitFor();
      await page.getByRole('button', { name: 'Export report' }).last().click();
      assert.equal(await jobOutcome(page, 'report'), 'succeeded');
      const link = page.getByTestId('exports').getByRole('link').first();
      await link.waitFor();
      const download = await page.request.get(
        new URL((await link.getAttribute('href')) ?? '', page.url()).href,
      );
      assert.equal(download.status(), 200);
      assert.match(await download.text(), /<html/i);
      // The same report as a PDF, for filing, served as a PDF.
      await page.getByRole('button', { name: 'Report as PDF' }).last().click();
      assert.equal(await jobOutcome(page, 'report'), 'succeeded');
      const pdfLink = page
        .getByTestId('exports')
        .getByRole('link')
        .filter({ hasText: /^report-.*\.pdf$/ });
      await pdfLink.waitFor();
      const pdfDownload = await page.request.get(
        new URL((await pdfLink.getAttribute('href')) ?? '', page.url()).href,
      );
      assert.equal(pdfDownload.status(), 200);
      assert.equal(pdfDownload.headers()['content-type'], 'application/pdf');
      const pdfText = await pdfPagesText(new Uint8Array(await pdfDownload.body()));
      assert.match(pdfText.text, /Validation report:/);
      // The compressed model in the TF.js layers format: one zip with model.json and its int8 weight shard.
      await page.getByRole('button', { name: 'Export model' }).last().click();
      assert.equal(await jobOutcome(page, 'export-model'), 'succeeded');
      const modelLink = page
        .getByTestId('exports')
        .getByRole('link')
        .filter({ hasText: /^model-.*\.zip$/ });
      await modelLink.waitFor();
      const modelZip = await page.request.get(
        new URL((await modelLink.getAttribute('href')) ?? '', page.url()).href,
      );
      assert.equal(modelZip.status(), 200);
      const files = unzipSync(new Uint8Array(await modelZip.body()));
      assert.deepEqual(Object.keys(files).sort(), ['group1-shard1of1.bin', 'model.json']);
      const modelJson = JSON.parse(new TextDecoder().decode(files['model.json'])) as {
        weightsManifest: { weights: { quantization?: { dtype: string } }[] }[];
      };
      assert.ok(
        modelJson.weightsManifest[0]?.weights.some((w) => w.quantization?.dtype === 'uint8'),
        'the int8 child exports uint8 kernels',
      );
      // The audit bundle, checked with the verifier it carries.
      await page.getByRole('button', { name: 'Export the audit bundle' }).click();
      assert.equal(await jobOutcome(page, 'audit-bundle'), 'succeeded');
      const bundle = page
        .getByTestId('exports')
        .getByRole('listitem')
        .filter({ hasText: /audit-bundle-.*\.zip/ });
      await bundle.getByRole('button', { name: 'verify' }).click();
      const verdict = bundle.getByTestId('bundle-verification');
      await verdict.waitFor();
      assert.match(
        (await verdict.textContent()) ?? '',
        /^verified: \d+ events, \d+ artifacts, 1 of 1 signatures valid/,
      );
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the models page is ${overflow} px wider than the window`);
      await screenshot(page, '5-models-export');

      // 6. Verify the audit trail.
      await nav(page, 'Audit trail');
      await page.getByRole('button', { name: 'Verify the audit trail' }).click();
      const status = page.getByTestId('verify-status');
      await status.waitFor();
      assert.match((await status.textContent()) ?? '', /Intact: \d+ events/);
      assert.ok((await page.getByTestId('audit-timeline').locator('li').count()) >= 4);
      // The signature is counted valid, and the checkpoint signed with it covers the events up to it.
      await page.getByText('1 of 1 valid').waitFor();
      await page.getByText(/, the latest covers \d+ events/).waitFor();
      // Events after the last checkpoint (the bundle export's own event) get covered by a new signed one.
      const checkpointButton = page.getByRole('button', { name: 'Sign a checkpoint over every event now' });
      if (await checkpointButton.isVisible()) {
        await checkpointButton.click();
        await page.getByText(/events since are not yet covered/).waitFor({ state: 'detached' });
      }
      await page.getByText(/^\d+, the latest covers \d+ events \(/).waitFor();
      assert.match((await status.textContent()) ?? '', /Intact/);
      assert.match(
        (await page.getByTestId('signatures').textContent()) ?? '',
        /approved: end-to-end test run.*Dr\. Rhea Okafor.*yes/s,
      );
      assert.match((await page.getByTestId('audit-timeline').textContent()) ?? '', /record\.sign/);
      await screenshot(page, '6-audit');

      // The dark theme, for the record.
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await nav(page, 'Validate');
      await page.getByTestId('confusion-matrix').locator('.main-svg').first().waitFor();
      await screenshot(page, '7-validate-dark');

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } catch (error) {
      await screenshot(page, 'failure').catch(() => undefined);
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
