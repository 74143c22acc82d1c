import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { tempHome } from '../helpers/temp-home.js';
import { startServer, type RunningServer } from '../../src-main/server/serve.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listModels, type ModelRow } from '../../src-main/core/store/models.js';
import { listMeasurements, type MeasurementRow } from '../../src-main/core/store/model-measurements.js';
import { validationsOfModel, type ValidationRow } from '../../src-main/core/store/validations.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { listSignatures } from '../../src-main/core/audit/signatures.js';
import { explainSample, type SampleExplanation } from '../../src-main/core/explain/explain-sample.js';
import { chromiumMissing, openWatchedPage } from './browser.js';
import { seedRun, type SeededRun } from './seeded-run.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
/** Screenshots for review (git-ignored): every page at both sizes in both themes. */
const ARTIFACTS = process.env['ATTEST_ARTIFACTS'] ?? join(process.cwd(), 'test-artifacts', 'e2e', 'pages');
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const;

// What the user reads, written here independently of the UI's own formatting code (src-renderer/src/lib/
// format.ts): a figure that the UI scales or rounds wrongly (a change in points multiplied by 100 again) fails.
const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`;
const bytes = (b: number) =>
  b < 1024 ? `${b} B` : b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(2)} MiB`;
const count = (n: number) => n.toLocaleString('en-US');
const flops = (f: number) =>
  f >= 1e9
    ? `${(f / 1e9).toFixed(2)} GFLOPs`
    : f >= 1e6
      ? `${(f / 1e6).toFixed(2)} MFLOPs`
      : `${(f / 1e3).toFixed(1)} kFLOPs`;
const ms = (m: number) => (m < 1 ? `${(m * 1000).toFixed(0)} µs` : `${m.toFixed(2)} ms`);

interface Stated {
  interval: [number, number] | null;
  method: string;
}

interface Clean {
  accuracy: number;
  macroF1: number;
  bootstrap?: { accuracy: [number, number]; macroF1: [number, number] };
  /** The interval as stated with its method (preferred over the bare bootstrap when stored). */
  intervals?: { accuracy: Stated; macroF1: Stated };
  roc?: { macroAuc?: number | null };
  perClass: {
    label: string;
    support: number;
    sensitivity: number | null;
    positivePredictivity: number | null;
    f1: number | null;
  }[];
}
interface Measured {
  sizeBytes: number;
  gzipBytes: number;
  flops: number;
  latencyMs: number;
}
interface ChildSummary {
  parentSizeBytes: number;
  sparsity: number;
  measurement: Measured;
  parentMeasurement: Measured;
  heldOut: { macroF1Drop: number; stages: { score: { macroF1: number } }[] };
}

const skip = chromiumMissing();
const PASSWORD = 'Quality-Desk-First-2026';
let home: { dir: string; cleanup: () => void };
let seeded: SeededRun;
let server: RunningServer;
let models: ModelRow[];
let measurements: Map<string, MeasurementRow>;
let validations: Map<string, ValidationRow>;
/** The child's answer on beat 5 of test record 119, from the engine, for "Try any beat". */
let beat: SampleExplanation;

before(
  async () => {
    if (skip !== false) return;
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run npm run build`,
    );
    home = tempHome('attest-e2e-figures');
    seeded = await seedRun(home.dir);
    const workspace = Workspace.open(home.dir);
    models = listModels(workspace.db);
    measurements = new Map(
      models.map((m) => {
        const newest = listMeasurements(workspace.db, m.id)
          .sort((a, b) => a.measuredAt.localeCompare(b.measuredAt))
          .at(-1);
        assert.ok(newest !== undefined, `model ${m.id} was measured`);
        return [m.id, newest];
      }),
    );
    validations = new Map(
      models.map((m) => {
        const v = validationsOfModel(workspace.db, m.id).at(-1);
        assert.ok(v !== undefined, `model ${m.id} was validated`);
        return [m.id, v];
      }),
    );
    beat = await explainSample(workspace, {
      modelId: seeded.childId,
      datasetId: seeded.datasetId,
      group: '119',
      position: 5,
    });
    workspace.close();
    server = await startServer({ home: home.dir, rendererDir: RENDERER });
  },
  { timeout: 600_000 },
);

after(async () => {
  await server?.close();
  home?.cleanup();
});

async function failureShot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page
    .screenshot({ path: join(ARTIFACTS, `failure-${name}.png`), fullPage: true })
    .catch(() => undefined);
}

async function nav(page: Page, section: string, heading: string): Promise<void> {
  await page.locator('nav button.nav').filter({ hasText: section }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function metricValue(scope: Locator, label: string): Promise<string> {
  const metric = scope
    .locator('.metric')
    .filter({ has: scope.page().locator('.label', { hasText: new RegExp(`^${label}$`) }) });
  return ((await metric.locator('.value').textContent()) ?? '').trim();
}

/** The cells of a table row as text, by the column headers' names. */
async function rowByHeaders(table: Locator, row: Locator): Promise<Record<string, string>> {
  const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
  const cells = (await row.locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
  return Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? '']));
}

/**
 * Every Plotly chart on the page has the one mode bar: saving (PNG, SVG), zoom, pan and reset, and nothing that
 * sends the chart anywhere (Plotly 4 shows "Share chart" by default) nor the plotly.com logo.
 */
async function assertChartsOffline(page: Page, where: string): Promise<number> {
  const plots = page.locator('.js-plotly-plot');
  const n = await plots.count();
  for (let i = 0; i < n; i++) {
    const titles = await plots
      .nth(i)
      .locator('.modebar-btn')
      .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-title') ?? ''));
    assert.ok(titles.length > 0, `chart ${i} on ${where} has its mode bar`);
    for (const title of titles)
      assert.doesNotMatch(
        title,
        /share|cloud|plotly|chart studio|edit/i,
        `${where}: a chart offers "${title}"`,
      );
    for (const wanted of [/png/i, /svg/i, /^zoom$/i, /reset axes/i])
      assert.ok(
        titles.some((t) => wanted.test(t)),
        `${where}: chart ${i} lacks ${wanted} in ${titles.join(', ')}`,
      );
  }
  assert.equal(await page.locator('.modebar-btn--logo, a[href*="plotly"]').count(), 0, `${where}: no logo`);
  return n;
}

test(
  'every figure on the results, compression and models pages is the stored value as formatted, and no chart can leave the machine',
  { skip, timeout: 300_000 },
  async () => {
    const parent = models.find((m) => m.id === seeded.parentId);
    const child = models.find((m) => m.id === seeded.childId);
    assert.ok(parent !== undefined && child !== undefined);
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      // Results: the validation of the compressed model, chosen by its id.
      await nav(page, 'Validate', 'Validate a model');
      for (const model of [parent, child]) {
        const validation = validations.get(model.id);
        assert.ok(validation !== undefined);
        const results = page.getByTestId('validation-result');
        await results.locator('select').first().selectOption(validation.id);
        // The validation is named by its model's and dataset's names, not their ids.
        assert.ok(
          (await results.locator('select').first().locator('option:checked').textContent())?.startsWith(
            `${model.name} on seeded minutes (test; `,
          ),
        );
        const clean = validation.result['clean'] as Clean;
        const interval = (i: [number, number] | undefined, stated: Stated | undefined) =>
          stated !== undefined
            ? stated.interval === null
              ? ` (no interval: ${stated.method.replace(/^none: /, '')})`
              : ` (95 % interval ${pct(stated.interval[0])} to ${pct(stated.interval[1])}, ${stated.method})`
            : i === undefined
              ? ''
              : ` (95 % interval ${pct(i[0])} to ${pct(i[1])})`;
        assert.equal(
          await metricValue(results, 'Accuracy'),
          `${pct(clean.accuracy)}${interval(clean.bootstrap?.accuracy, clean.intervals?.accuracy)}`,
        );
        assert.equal(
          await metricValue(results, 'Macro-F1'),
          `${pct(clean.macroF1)}${interval(clean.bootstrap?.macroF1, clean.intervals?.macroF1)}`,
        );
        if (typeof clean.roc?.macroAuc === 'number')
          assert.equal(await metricValue(results, 'Macro AUC'), pct(clean.roc.macroAuc));
        const perClass = results
          .locator('table')
          .filter({ has: page.locator('caption', { hasText: 'Per class' }) });
        const rows = perClass.locator('tbody tr');
        assert.equal(await rows.count(), clean.perClass.length);
        for (const [i, expected] of clean.perClass.entries()) {
          const cells = await rowByHeaders(perClass, rows.nth(i));
          assert.deepEqual(
            [cells['Sensitivity'], cells['Positive predictivity'], cells['F1'], cells['Beats']],
            [
              pct(expected.sensitivity),
              pct(expected.positivePredictivity),
              pct(expected.f1),
              String(expected.support),
            ],
            `per-class row ${expected.label} of ${validation.id}`,
          );
        }
        const calibration = validation.result['calibration'] as { before: { ece: number } };
        await results
          .getByText(`Expected calibration error ${pct(calibration.before.ece)}`, { exact: false })
          .waitFor();
        await results.getByTestId('reliability').locator('.main-svg').first().waitFor();
        await results.getByTestId('confusion-matrix').locator('.main-svg').first().waitFor();
      }
      // Any beat of a test record, picked by its record and number: the engine's answer and probabilities.
      const tryBeat = page.getByTestId('try-beat');
      await tryBeat.locator('select').selectOption('119');
      await tryBeat.locator('input[type="number"]').fill('5');
      await tryBeat.getByRole('button', { name: 'Why?' }).click();
      const explanation = page.getByTestId('sample-explanation');
      await explanation.getByTestId('explained-answer').waitFor();
      assert.match(
        (await explanation.locator('p').first().textContent()) ?? '',
        new RegExp(
          `^\\s*Sample #${beat.index} \\(119\\): truly ${beat.label}, the model\\s+answers\\s+${beat.predicted}\\.`,
        ),
      );
      assert.deepEqual(
        await explanation
          .getByTestId('explained-probabilities')
          .locator('li')
          .evaluateAll((items) =>
            items.map(
              (li) => `${li.querySelector('.name')?.textContent} ${li.querySelector('.figure')?.textContent}`,
            ),
          ),
        beat.probabilities.map((p) => `${p.label} ${pct(p.probability)}`),
      );
      await explanation.locator('.main-svg').first().waitFor();
      assert.ok((await assertChartsOffline(page, 'the results page')) >= 2);
      // The SVG button saves the chart as a file, here, without any network.
      const reliability = page.getByTestId('reliability');
      await reliability.hover();
      const [svg] = await Promise.all([
        page.waitForEvent('download'),
        reliability.locator('.modebar-btn[data-title^="Download as SVG"]').click(),
      ]);
      assert.match(svg.suggestedFilename(), /^reliability-diagram\.svg$/);

      // Compression: the stored child beside its parent, and the held-out macro-F1 change in points.
      await nav(page, 'Compress', 'Compress a model');
      await page.getByLabel('Model to compress').selectOption(parent.id);
      const result = page.getByTestId('compress-result');
      await result.waitFor();
      const summary = child.summary as unknown as ChildSummary;
      const value = async (id: string) =>
        ((await result.getByTestId(id).locator('.value').textContent()) ?? '').trim();
      assert.equal(
        await value('compress-size'),
        `${bytes(child.sizeBytes)} (was ${bytes(parent.sizeBytes)})`,
      );
      assert.equal(summary.parentSizeBytes, parent.sizeBytes);
      assert.equal(
        await value('compress-gzip'),
        `${bytes(summary.measurement.gzipBytes)} (was ${bytes(summary.parentMeasurement.gzipBytes)})`,
      );
      assert.equal(
        await value('compress-flops'),
        `${flops(summary.measurement.flops)} (was ${flops(summary.parentMeasurement.flops)})`,
      );
      assert.equal(
        await value('compress-latency'),
        `${ms(summary.measurement.latencyMs)} (was ${ms(summary.parentMeasurement.latencyMs)})`,
      );
      assert.equal(await value('compress-sparsity'), pct(summary.sparsity));
      assert.equal(
        await value('compress-nonzero'),
        `${count(child.nonzeroParams)} of ${count(child.params)}`,
      );
      const first = summary.heldOut.stages[0]?.score.macroF1 ?? NaN;
      const last = summary.heldOut.stages.at(-1)?.score.macroF1 ?? NaN;
      // The stored drop is in percentage points already: the page shows it once, as points, never as ×100 %.
      assert.ok(Math.abs(summary.heldOut.macroF1Drop - 100 * (first - last)) < 1e-9);
      const points = 100 * (last - first);
      const signed =
        Number(points.toFixed(1)) === 0 ? '±0.0' : `${points > 0 ? '+' : '−'}${Math.abs(points).toFixed(1)}`;
      assert.equal(await value('compress-f1-change'), `${signed} points (${pct(first)} → ${pct(last)})`);

      // Models: each row's figures, from the stored model, its newest measurement and its latest validation.
      await nav(page, 'Models', 'Models');
      const table = page.getByTestId('models-table');
      for (const model of [parent, child]) {
        const measurement = measurements.get(model.id);
        const clean = validations.get(model.id)?.result['clean'] as Clean | undefined;
        assert.ok(measurement !== undefined && clean !== undefined);
        const row = table.locator('tbody tr').filter({ hasText: model.id });
        const cells = await rowByHeaders(table, row);
        assert.equal(cells['Size on disk'], bytes(model.sizeBytes));
        assert.equal(cells['Parameters (nonzero)'], `${count(model.params)} (${count(model.nonzeroParams)})`);
        assert.equal(cells['FLOPs per beat'], flops(measurement.flops));
        assert.equal(cells['Latency per beat'], `${ms(measurement.latencyMs)} (${measurement.backend})`);
        assert.equal(cells['Accuracy'], pct(clean.accuracy));
      }
      await page.getByTestId('pareto').locator('.scatterlayer .point').first().waitFor();
      await assertChartsOffline(page, 'the models page');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the models page is ${overflow} px wider than the window`);

      // Export report: where the job finished, a link that saves the file and where it is on this computer.
      await table
        .locator('tbody tr')
        .filter({ hasText: child.id })
        .getByRole('button', { name: 'Export report' })
        .click();
      const file = page.getByTestId('job-file').first();
      await file.waitFor({ timeout: 120_000 });
      const link = file.getByRole('link');
      assert.match((await link.textContent()) ?? '', new RegExp(`^Save report-${child.id}-.*\\.html$`));
      assert.match((await file.textContent()) ?? '', new RegExp(`/exports/report-${child.id}-.*\\.html`));
      const saved = await page.request.get(new URL((await link.getAttribute('href')) ?? '', page.url()).href);
      assert.equal(saved.status(), 200);
      assert.match(await saved.text(), /<html/i);

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } catch (error) {
      await failureShot(page, 'figures');
      throw error;
    } finally {
      await watched.close();
    }
  },
);

/** The focused control as "type label": where the next key goes. */
async function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null;
    const type = el?.tagName === 'INPUT' ? el.type : (el?.tagName.toLowerCase() ?? 'none');
    return `${type} ${(el?.closest('label')?.textContent ?? '').replace(/\s+/g, ' ').trim()}`;
  });
}

/** Presses Tab until the focused element's text or label matches, as a keyboard user would. */
async function tabTo(page: Page, name: RegExp, limit = 120): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return `${el?.getAttribute('aria-label') ?? ''} ${el?.textContent ?? ''}`.replace(/\s+/g, ' ').trim();
    });
    if (name.test(focused)) return;
  }
  throw new Error(`${name} was not reached with ${limit} presses of Tab`);
}

test(
  'first run: the first administrator is set up and signs a validation with the keyboard alone',
  { skip, timeout: 180_000 },
  async () => {
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    const password = PASSWORD;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await tabTo(page, /^Set up accounts$/);
      await page.keyboard.press('Enter');
      const setup = page.getByRole('dialog', { name: 'Set up the first administrator' });
      await setup.waitFor();
      // The dialog takes the focus on its first field; Tab walks the fields in order, Enter submits.
      await page.keyboard.type('rhea');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Dr. Rhea Okafor');
      await page.keyboard.press('Tab');
      await page.keyboard.type('short');
      await setup.getByText('The password needs at least 10 characters (5 so far).').waitFor();
      for (let i = 0; i < 5; i++) await page.keyboard.press('Backspace');
      await page.keyboard.type(password);
      await page.keyboard.press('Tab');
      await page.keyboard.type(password);
      await page.keyboard.press('Enter');
      await page.getByTestId('session').getByText('Signed in: Dr. Rhea Okafor (administrator)').waitFor();
      await setup.waitFor({ state: 'hidden' });
      mkdirSync(ARTIFACTS, { recursive: true });

      // To the results, then the sign-off of the shown validation (the newest: the compressed model's).
      await tabTo(page, /^Validate/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Validate a model' }).waitFor();
      await tabTo(page, /^Sign this validation…$/);
      await page.keyboard.press('Enter');
      const sign = page.getByRole('dialog', { name: /^Sign validation/ });
      await sign.waitFor();
      // Focus starts on the meaning: the arrow keys move from Reviewed to Approved.
      assert.equal(await focusedLabel(page), 'radio Reviewed');
      await page.keyboard.press('ArrowDown');
      assert.equal(await sign.getByRole('radio', { name: 'Approved' }).isChecked(), true);
      await page.keyboard.press('Tab');
      assert.equal(await focusedLabel(page), 'textarea Reason or comment (optional)');
      await page.keyboard.type('checked every figure against the store');
      await page.keyboard.press('Tab');
      assert.equal(await focusedLabel(page), 'password Your password, again');
      await page.keyboard.type(password);
      await page.keyboard.press('Enter');
      await page
        .getByTestId('signature')
        .getByText(/approved by Dr\. Rhea Okafor \(administrator\)/)
        .waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'first-run-signed.png') });

      // The administrator's own section lists the account.
      await tabTo(page, /^Accounts/);
      await page.keyboard.press('Enter');
      await page.getByTestId('account').filter({ hasText: 'Dr. Rhea Okafor' }).waitFor();

      assert.deepEqual(watched.outside, [], 'no request may leave the machine');
      assert.deepEqual(watched.errors, [], 'no console error');
    } catch (error) {
      await failureShot(page, 'first-run');
      throw new Error(`${(error as Error).message}\nconsole errors: ${JSON.stringify(watched.errors)}`, {
        cause: error,
      });
    } finally {
      await watched.close();
    }
    // In the store: the first account and the signature, in the audit trail, under the new account's name.
    const workspace = Workspace.open(home.dir);
    try {
      const events = listAuditEvents(workspace.db);
      const created = events.find((e) => e.action === 'user.create');
      assert.ok(created !== undefined, 'the first administrator is audited');
      const signed = events.find((e) => e.action === 'record.sign');
      assert.equal(signed?.actor, 'user:rhea');
      const signatures = listSignatures(workspace.db);
      assert.equal(signatures.length, 1);
      assert.equal(signatures[0]?.meaning, 'approved');
      assert.equal(signatures[0]?.entityId, validations.get(seeded.childId)?.id);
    } finally {
      workspace.close();
    }
  },
);

/**
 * What a reviewer reads on a page: counts with their nouns in agreement ("1 epoch", never "1 epochs") and no
 * command-line text (a command, an option, a split spec like records:1:0.30) where a button or words do.
 */
function assertPlainWords(section: string, text: string): void {
  const singular =
    /(?:^|[^\d.,])1 (epochs|beats|records|images|samples|models|files|trainings|classes|patients)\b/.exec(
      text,
    );
  assert.equal(singular, null, `${section}: "${singular?.[0].trim()}"`);
  const cli =
    /`|\battest (?:train|validate|compress|import|audit|serve|models|errors|predict)\b|(?:^|\s)--[a-z][a-z-]+|\b(?:records|test|groups):\d/.exec(
      text,
    );
  assert.equal(cli, null, `${section}: command-line text "${cli?.[0].trim()}"`);
}

test(
  'screenshots of every page at 1366x768 and 1920x1080 in both themes, none wider than its window',
  { skip, timeout: 300_000 },
  async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`, scheme);
      const { page } = watched;
      try {
        await page.goto(server.url);
        await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
        // Signed in as the administrator set up above, so that the Accounts page is among them.
        await page.getByTestId('session').getByRole('button', { name: 'Sign in' }).click();
        const signIn = page.getByRole('dialog', { name: 'Sign in' });
        await signIn.getByLabel('Account name').fill('rhea');
        await signIn.getByLabel('Password').fill(PASSWORD);
        await signIn.getByRole('button', { name: 'Sign in' }).click();
        await page.getByTestId('session').getByText('Signed in: Dr. Rhea Okafor (administrator)').waitFor();
        const sections = (await page.locator('nav button.nav > span:first-child').allTextContents()).map(
          (s) => s.trim(),
        );
        for (const size of SIZES) {
          await page.setViewportSize(size);
          for (const [index, section] of sections.entries()) {
            await page.locator('nav button.nav').nth(index).click();
            await page.getByRole('heading', { level: 1 }).first().waitFor();
            // Charts draw after Plotly loads: wait for each to finish before the picture.
            await page.waitForFunction(() => document.querySelectorAll('.chart .loading').length === 0);
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth - window.innerWidth,
            );
            assert.ok(overflow <= 0, `${section} at ${size.width} px (${scheme}) is ${overflow} px too wide`);
            if (scheme === 'light' && size.width === 1366)
              assertPlainWords(section, await page.locator('main').innerText());
            const name = `${String(index).padStart(2, '0')}-${section.toLowerCase().replace(/[^a-z]+/g, '-')}`;
            await page.screenshot({
              path: join(ARTIFACTS, `${name}-${size.width}x${size.height}-${scheme}.png`),
              fullPage: true,
            });
          }
        }
        assert.deepEqual(watched.outside, [], 'no request may leave the machine');
        assert.deepEqual(watched.errors, [], 'no console error');
      } finally {
        await watched.close();
      }
    }
  },
);
