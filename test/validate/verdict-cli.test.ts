import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { loadEcgDataset } from '../../src-main/core/data/ecg-dataset.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { recordVersion } from '../../src-main/core/audit/record-version.js';
import { policyTemplate } from '../../src-main/core/validate/policy-templates.js';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { storeOneClassModel } from './one-class-model.js';
import { pdfPagesText } from '../audit/pdf-text.js';

// A constructed one-class model (every input answered "N") on synthetic patients with a single test record:
// the case the findings exist for, run through the real command line, report and signature record.
const home = tempHome('attest-verdict');
let datasetId: string;
let modelId: string;
let medianBeatStd: number;

before(async () => {
  await initEngine();
  const workspace = Workspace.open(home.dir);
  try {
    ({ datasetId, modelId } = await storeOneClassModel(workspace));
    const ecg = loadEcgDataset(workspace, datasetId);
    const testBeats = Array.from({ length: ecg.labels.length }, (_, i) => i).filter(
      (i) => ecg.split[i] === 1,
    );
    const deviations = testBeats
      .map((i) => {
        const beat = Array.from(ecg.windows.subarray(i * ecg.length, (i + 1) * ecg.length));
        const mean = beat.reduce((a, b) => a + b, 0) / beat.length;
        return Math.sqrt(beat.reduce((a, b) => a + (b - mean) ** 2, 0) / beat.length);
      })
      .sort((a, b) => a - b);
    const mid = Math.floor(deviations.length / 2);
    medianBeatStd =
      deviations.length % 2 === 1
        ? (deviations[mid] as number)
        : ((deviations[mid - 1] as number) + (deviations[mid] as number)) / 2;
  } finally {
    workspace.close();
  }
});

after(() => home.cleanup());

test('a one-class model: findings in the JSON, a FAIL verdict (exit 3), both at the top of the report and bound by a signature', async () => {
  const policyFile = join(home.dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policyTemplate('ecg-aami')));
  const run = await runCli([
    '--home',
    home.dir,
    'validate',
    '--model',
    modelId,
    '--dataset',
    datasetId,
    '--suite',
    'clean,fgsm',
    '--epsilons',
    '0.05',
    '--snrs',
    '12',
    '--noises',
    'bw',
    '--policy',
    policyFile,
    '--json',
  ]);
  assert.equal(run.code, 3, run.stderr);
  const findings = run.json['findings'] as { code: string; severity: string; message: string }[];
  const codes = new Set(findings.map((f) => f.code));
  for (const code of [
    'flat-curves-one-class',
    'class-never-predicted',
    'no-better-than-majority',
    'few-test-records',
  ])
    assert.ok(codes.has(code), `${code} in ${[...codes].join(', ')}`);
  assert.equal(findings[0]?.severity, 'critical');
  assert.match(run.stderr, /critical: The model answers "N" to every input/);
  const policy = run.json['policy'] as { verdict: string; gates: { gate: string; status: string }[] };
  assert.equal(policy.verdict, 'FAIL');
  assert.equal(policy.gates.find((g) => g.gate === 'min_sensitivity:V')?.status, 'fail');
  assert.equal(policy.gates.find((g) => g.gate === 'min_test_records')?.status, 'fail');
  // One test record: intervals are exact binomial ones, never a bootstrap over a single record.
  const clean = run.json['clean'] as { intervals: { testRecords: number; accuracy: { method: string } } };
  assert.equal(clean.intervals.testRecords, 1);
  assert.match(clean.intervals.accuracy.method, /Clopper-Pearson/);

  // The FGSM budget also in millivolts: one input unit is the median beat's standard deviation.
  const fgsm = run.json['fgsm'] as { reviewerScale: { unit: string; perInputUnit: number } };
  assert.equal(fgsm.reviewerScale.unit, 'mV');
  assert.ok(Math.abs(fgsm.reviewerScale.perInputUnit - medianBeatStd) < 1e-6);

  const out = join(home.dir, 'report.html');
  const report = await runCli(['--home', home.dir, 'report', '--model', modelId, '--out', out]);
  assert.equal(report.code, 0, report.stderr);
  const html = readFileSync(out, 'utf8');
  const verdictAt = html.indexOf('Verdict and findings');
  assert.ok(
    verdictAt > 0 && verdictAt < html.indexOf('Model and parent'),
    'the report opens with the verdict',
  );
  assert.match(html, /Verdict: FAIL against ECG beat classification after ANSI\/AAMI EC57/);
  assert.match(html, /answers &quot;N&quot; to every input|answers "N" to every input/);

  const pdfFile = join(home.dir, 'report.pdf');
  const pdf = await runCli(['--home', home.dir, 'report', '--model', modelId, '--out', pdfFile]);
  assert.equal(pdf.code, 0, pdf.stderr);
  const { text } = await pdfPagesText(readFileSync(pdfFile));
  assert.ok(text.indexOf('Verdict and findings') < text.indexOf('Model\n'), 'the PDF opens with the verdict');
  assert.match(text, /Verdict: FAIL against ECG beat classification/);
  assert.match(text.replace(/\n/g, ' '), /Critical: The model answers "N" to every input/);

  const cardFile = join(home.dir, 'card.md');
  const card = await runCli(['--home', home.dir, 'models', 'card', '--model', modelId, '--out', cardFile]);
  assert.equal(card.code, 0, card.stderr);
  const markdown = readFileSync(cardFile, 'utf8');
  assert.match(markdown, /Acceptance verdict of validation val-\w+: FAIL/);
  assert.match(markdown, /answers "N" to every input/);

  const workspace = Workspace.open(home.dir);
  try {
    const validationId = String(run.json['validationId']);
    const record = JSON.parse(recordVersion(workspace.db, 'validation', validationId).canonical) as {
      validation: { result_json: { findings: unknown[]; policy: { verdict: string } } };
    };
    // What a signature binds: the findings and the verdict as stored.
    assert.equal(record.validation.result_json.policy.verdict, 'FAIL');
    assert.equal(record.validation.result_json.findings.length, findings.length);
  } finally {
    workspace.close();
  }
});
