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
import { parseSuites, validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { storeOneClassModel } from '../validate/one-class-model.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));

test(
  'a validation with a failed suite shows the others’ results and names the failed one with its reason',
  { skip: chromiumMissing(), timeout: 90_000 },
  async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), `the UI is not built at ${RENDERER}`);
    const home = tempHome('attest-e2e-failed-suite');
    await initEngine();
    const workspace = Workspace.open(home.dir);
    let stored: {
      clean: { accuracy: number };
      failedSuites: { suite: string; reason: string }[];
      forwardRuntime: { runtime: string; why: string };
    };
    try {
      // A constructed model records no training records: its membership suite fails, clean and calibration run.
      const { datasetId, modelId } = await storeOneClassModel(workspace);
      stored = (await validateModel(
        workspace,
        { modelId, datasetId, split: 'test', suites: parseSuites('clean,membership,calibration') },
        quietContext(),
      )) as unknown as typeof stored;
    } finally {
      workspace.close();
    }
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.locator('nav button.nav').filter({ hasText: 'Validate' }).click();
      const failed = page.getByTestId('failed-suites');
      await failed.waitFor();
      const reason = stored.failedSuites[0]?.reason ?? '';
      assert.match(reason, /does not record its training records/);
      assert.equal(
        (await failed.innerText()).replace(/\s+/g, ' ').trim(),
        `One suite could not run; the results of the others are below. Privacy (membership inference): ${reason}`,
      );
      // The suite that ran before the failure is shown with its stored value.
      const accuracy = page.getByTestId('metric-accuracy');
      await accuracy.waitFor();
      assert.match(
        await accuracy.innerText(),
        new RegExp(`${(stored.clean.accuracy * 100).toFixed(1).replace('.', '\\.')} ?%`),
      );
      // Which runtime computed the clean and calibration figures, as stored.
      assert.equal(
        (await page.getByTestId('forward-runtime').innerText()).trim(),
        `Predictions of the forward-only suites computed by ${stored.forwardRuntime.runtime === 'onnxruntime' ? 'ONNX Runtime' : 'TF.js'} (${stored.forwardRuntime.why}).`,
      );
      assert.deepEqual(watched.errors, []);
      assert.deepEqual(watched.outside, []);
    } finally {
      await watched.close();
      await server.close();
      home.cleanup();
    }
  },
);
