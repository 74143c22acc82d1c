import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { renderModelCard } from '../../src-main/core/report/model-card.js';
import { tempHome } from '../helpers/temp-home.js';
import { seedRecords } from './fixtures.js';
import { pdfPagesText } from './pdf-text.js';
import { exportModelReportPdf } from '../../src-main/core/pipelines/export/export-report-pdf.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

test('the PDF report is written, audited with its SHA-256, and says what the HTML report says', async () => {
  const home = tempHome('pdf');
  const ws = Workspace.open(home.dir);
  try {
    const ids = seedRecords(ws);
    const path = join(home.dir, 'report.pdf');
    const written = await exportModelReportPdf(ws, ids.modelId, path);
    const bytes = readFileSync(path);
    assert.equal(written.sha256, createHash('sha256').update(bytes).digest('hex'));
    const event = listAuditEvents(ws.db).at(-1);
    assert.equal(event?.action, 'report.export');
    assert.deepEqual(event?.payload.result, { sha256: written.sha256, bytes: bytes.length });
    const { text } = await pdfPagesText(bytes);
    for (const expected of [
      'Validation report: tiny-resnet',
      'Macro-F1',
      '88.0%',
      'No electronic signature yet',
      'dataset.import',
    ])
      assert.ok(text.includes(expected), expected);
    await assert.rejects(exportModelReportPdf(ws, ids.modelId, join(home.dir, 'report.html')), /\.pdf file/);
  } finally {
    ws.close();
    home.cleanup();
  }
});

test('the model card has the sections of Mitchell et al. with the stored figures and derived caveats', () => {
  const home = tempHome('card');
  const ws = Workspace.open(home.dir);
  try {
    const ids = seedRecords(ws);
    const card = renderModelCard(ws, ids.modelId);
    assert.deepEqual(
      card.sections.map((s) => s.title),
      [
        'Model details',
        'Intended use',
        'Factors',
        'Metrics',
        'Evaluation data',
        'Training data',
        'Quantitative analyses',
        'Ethical considerations and privacy',
        'Compression lineage',
        'Caveats and recommendations',
        'Signatures',
      ],
    );
    assert.match(card.html, /Content-Security-Policy/);
    assert.ok(card.html.includes(ids.modelSha), 'the weights hash');
    assert.match(card.html, /<td>Accuracy<\/td><td>90\.0%<\/td>/);
    assert.match(
      card.html,
      /<td>V<\/td><td>8<\/td><td>87\.5%<\/td>/,
      'per-class sensitivity of V from the stored validation',
    );
    assert.match(card.html, /Class V has only 8 test samples/);
    assert.match(card.html, /Only 1 test records/);
    assert.match(card.html, /No membership-inference test was run/);
    assert.match(card.markdown, /^# Model card: tiny-resnet/);
    assert.match(card.markdown, /\| Accuracy \| 90\.0% \|/);
    const custom = renderModelCard(ws, ids.modelId, { intendedUse: 'Screening <b>research</b> only.' });
    assert.ok(custom.html.includes('Screening &lt;b&gt;research&lt;/b&gt; only.'), 'user text is escaped');
    assert.throws(() => renderModelCard(ws, 'm-nothere'), /no model with id m-nothere/);
  } finally {
    ws.close();
    home.cleanup();
  }
});
