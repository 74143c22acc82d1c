import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempHome } from '../helpers/temp-home.js';
import { startServer } from '../../src-main/server/serve.js';
import { chromiumMissing, openWatchedPage } from './browser.js';

const RENDERER = fileURLToPath(new URL('../../src-renderer/', import.meta.url));
const FOLDERS_LABEL = 'Folders with one subfolder per class, one per line';

test(
  'path fields in browser mode: checked as typed, chosen with the folder browser, drops explained',
  { skip: chromiumMissing(), timeout: 90_000 },
  async () => {
    assert.ok(
      existsSync(join(RENDERER, 'index.html')),
      `the UI is not built at ${RENDERER}: run npm run build`,
    );
    const home = tempHome('attest-e2e-paths');
    const disk = mkdtempSync(join(tmpdir(), 'attest-e2e-disk-'));
    const images = join(disk, 'images');
    for (const name of ['benign', 'malignant']) mkdirSync(join(images, name), { recursive: true });
    writeFileSync(join(disk, 'vendor.h5'), Buffer.alloc(2048));
    writeFileSync(join(disk, 'notes.txt'), 'not a model');
    const server = await startServer({ home: home.dir, rendererDir: RENDERER });
    const watched = await openWatchedPage(`http://127.0.0.1:${server.port}`);
    const { page } = watched;
    try {
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor();
      await page.getByRole('radio', { name: /Image\s+files/ }).check();
      const field = page.getByLabel(FOLDERS_LABEL);
      const checks = page.getByTestId('import-paths-checks');
      const next = page.getByRole('button', { name: 'Next', exact: true });

      // A typo: the message is beside the field at once, and the wizard does not move on.
      await field.fill(join(disk, 'imagez'));
      await checks.getByText(`nothing named “imagez” in ${disk}`).waitFor();
      assert.equal(await next.isDisabled(), true, 'Next waits for a path that exists');
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      // A file where a folder is expected.
      await field.fill(join(disk, 'vendor.h5'));
      await checks.getByText('this is a file: give a folder').waitFor();

      // The folder browser: starts at the field's folder, opens a folder, and "Use this folder" fills the field.
      await field.fill('');
      await page.getByTestId('import-paths').getByRole('button', { name: 'Browse…' }).click();
      const browser = page.locator('dialog[open][data-testid="file-browser"]');
      await browser.getByTestId('file-browser-path').fill(disk);
      await browser.getByRole('button', { name: 'Go' }).click();
      const rows = browser.locator('tbody tr');
      await browser.getByRole('button', { name: /images/ }).waitFor();
      assert.deepEqual(
        (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
        ['images/ folder', 'notes.txt file 11 bytes', 'vendor.h5 file 2.0 kB'],
      );
      await browser.getByRole('button', { name: /images/ }).click();
      await browser.getByRole('button', { name: /malignant/ }).waitFor();
      await browser.getByRole('button', { name: 'Use this folder' }).click();
      assert.equal(await field.inputValue(), images);
      await checks.getByText('folder, 2 entries').waitFor();
      assert.equal(await next.isDisabled(), false);

      // A hostile path typed into the browser is refused with its reason, and nothing is listed from it.
      await page.getByTestId('import-paths').getByRole('button', { name: 'Browse…' }).click();
      await browser.getByTestId('file-browser-path').fill('//fileserver/share');
      await browser.getByRole('button', { name: 'Go' }).click();
      await browser
        .getByRole('alert')
        .getByText(/network .* not browsed/)
        .waitFor();
      await browser.getByRole('button', { name: 'Cancel' }).click();

      // A drop in a plain browser carries no path: the field says what to do instead, and keeps its value.
      await page.getByTestId('import-paths').evaluate((target) => {
        const data = new DataTransfer();
        data.items.add(new File(['x'], 'scan.png', { type: 'image/png' }));
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      });
      await checks.getByText(/does not tell Attest where dropped files are: use “Browse…”/).waitFor();
      assert.equal(await field.inputValue(), images);

      // The model import: a file chosen in the browser, checked against the model formats.
      await page.locator('nav button.nav').filter({ hasText: 'Models' }).click();
      await page.getByRole('button', { name: 'Import model…' }).click();
      const model = page.getByLabel('Model file or folder');
      await model.fill(join(disk, 'notes.txt'));
      await page
        .getByTestId('import-model-path-checks')
        .getByText('expected a .h5, .keras, .json, .zip, .onnx file, not .txt')
        .waitFor();
      await model.fill(join(disk, 'vendor.h5'));
      await page.getByTestId('import-model-path-checks').getByText('file, 2.0 kB').waitFor();
      assert.deepEqual(watched.outside, [], 'no request left the machine');
      assert.deepEqual(watched.errors, []);
    } finally {
      await watched.close();
      await server.close();
      rmSync(disk, { recursive: true, force: true });
      home.cleanup();
    }
  },
);
