import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { renderModelCard } from '../../src-main/core/report/model-card.js';
import { tempHome } from '../helpers/temp-home.js';
import { seedRecords } from './fixtures.js';

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
