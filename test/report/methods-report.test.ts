import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { compareLrPolicies } from '../../src-main/core/pipelines/compare/compare-lr-policies.js';
import { exportModelReport } from '../../src-main/core/pipelines/export/export-report.js';
import { exportModelReportPdf } from '../../src-main/core/pipelines/export/export-report-pdf.js';
import { METHODS_SECTION_TITLE } from '../../src-main/core/report/methods-section.js';
import { pdfPagesText } from '../audit/pdf-text.js';
import { tempHome } from '../helpers/temp-home.js';

/** The text of the report's section with this title (up to the next section). */
function sectionText(html: string, title: string): string | undefined {
  const start = html.indexOf(`<h2>${title}</h2>`);
  if (start < 0) return undefined;
  const end = html.indexOf('</section>', start);
  return html
    .slice(start, end)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&');
}

test('the report of a model trained with a method sets it beside the plain baseline, in HTML and PDF', async () => {
  await initEngine('wasm');
  const home = tempHome('methods-report');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 4, seconds: 60, seed: 7, split: parseSplitSpec('records:1:0.25') },
      ctx,
    );
    const compared = await compareLrPolicies(
      workspace,
      {
        datasetId: data.datasetId,
        arch: 'ecg-resnet',
        policies: ['constant', 'cosine:0.1'],
        epochs: 2,
        seeds: [1],
      },
      ctx,
    );
    const cosineId = compared.rows[1]?.runs[0]?.modelId as string;
    const constantId = compared.rows[0]?.runs[0]?.modelId as string;
    // A model with no method and in no comparison: trained plainly, on another dataset.
    const other = importSyntheticEcgDataset(
      workspace,
      { name: 'other', records: 4, seconds: 30, seed: 8, split: parseSplitSpec('records:1:0.25') },
      ctx,
    );
    const unrelated = await trainModel(
      workspace,
      { datasetId: other.datasetId, arch: 'ecg-resnet', epochs: 1, seed: 1 },
      ctx,
    );

    exportModelReport(workspace, cosineId, join(home.dir, 'cosine.html'));
    const cosine = sectionText(readFileSync(join(home.dir, 'cosine.html'), 'utf8'), METHODS_SECTION_TITLE);
    assert.ok(cosine !== undefined, 'the section is in the report of the cosine model');
    assert.match(cosine, /Learning-rate policy cosine:0\.1/);
    assert.match(cosine, new RegExp(`Learning-rate policies: comparison ${compared.comparisonId}`));
    assert.match(cosine, /constant \(baseline\)/);
    assert.match(cosine, new RegExp(`${cosineId} \\(this model\\)`));
    assert.match(cosine, new RegExp(`Taking part: ${cosineId} as "cosine:0.1"`));
    assert.doesNotMatch(cosine, new RegExp(`${constantId} \\(this model\\)`));
    const change = cosine.match(/cosine:0\.1 [\d.]+% ± [\d.]+% ([+-][\d.]+ pt)/)?.[1];
    const expected = compared.rows[1]!.meanMacroF1 - compared.rows[0]!.meanMacroF1;
    assert.notEqual(expected, 0, 'the two policies end apart on this data (seeded)');
    assert.equal(
      change,
      `${expected >= 0 ? '+' : ''}${(expected * 100).toFixed(1)} pt`,
      'the change against constant',
    );

    // The plain model of the comparison is its baseline: the section says so and still lists the comparison.
    exportModelReport(workspace, constantId, join(home.dir, 'constant.html'));
    const constant = sectionText(
      readFileSync(join(home.dir, 'constant.html'), 'utf8'),
      METHODS_SECTION_TITLE,
    );
    assert.match(constant ?? '', /trained plainly: it is the baseline/);
    assert.match(constant ?? '', new RegExp(`${constantId} \\(this model\\)`));

    exportModelReport(workspace, unrelated.modelId, join(home.dir, 'plain.html'));
    assert.equal(
      sectionText(readFileSync(join(home.dir, 'plain.html'), 'utf8'), METHODS_SECTION_TITLE),
      undefined,
      'no section for a plain model no comparison names',
    );

    const pdf = await exportModelReportPdf(workspace, cosineId, join(home.dir, 'cosine.pdf'));
    const { text } = await pdfPagesText(readFileSync(pdf.path));
    for (const expectedText of [
      METHODS_SECTION_TITLE,
      'Learning-rate policy',
      'cosine:0.1',
      '(baseline)',
      `Taking part: ${cosineId} as "cosine:0.1".`,
    ])
      assert.ok(text.includes(expectedText), `${expectedText} in the PDF`);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
