import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { AttestError } from '../../src-main/core/errors.js';
import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import { evaluatePolicy, loadPolicy } from '../../src-main/core/validate/policy.js';
import { POLICY_TEMPLATE_NAMES, policyTemplate } from '../../src-main/core/validate/policy-templates.js';
import { recordBootstrap } from '../../src-main/core/validate/record-bootstrap.js';
import { recordConfusions, statedIntervals } from '../../src-main/core/validate/stated-intervals.js';
import type { ValidationResults } from '../../src-main/core/validate/rows.js';
import { runCli } from '../helpers/run-cli.js';

const classes = ['N', 'V'];

/** Clean results of `records` records, each with 50 N (all right) and `vPerRecord` V of which `found` are found. */
function cleanOf(records: number, vPerRecord: number, found: (record: number) => number): ValidationResults {
  const labels: number[] = [];
  const predicted: number[] = [];
  const groups: number[] = [];
  const add = (label: number, guess: number, g: number) => {
    labels.push(label);
    predicted.push(guess);
    groups.push(g);
  };
  for (let g = 0; g < records; g++) {
    for (let i = 0; i < 50; i++) add(0, 0, g);
    for (let i = 0; i < vPerRecord; i++) add(1, i < found(g) ? 1 : 0, g);
  }
  const bootstrap = recordBootstrap({ labels, predicted, groups, classes, seed: 1 });
  const names = Array.from({ length: records }, (_, g) => `r${g}`);
  const perRecord = recordConfusions(labels, predicted, groups, names, 2);
  return {
    clean: {
      ...classificationMetrics(labels, predicted, classes),
      bootstrap,
      intervals: statedIntervals(perRecord, classes, bootstrap),
      perRecord,
    },
  };
}

test('a limit inside the interval is not decided; clearly above passes; clearly below fails', () => {
  // Two records, V 18 of 20 found: Clopper-Pearson [68.3%, 98.8%].
  const results = cleanOf(2, 10, () => 9);
  const at = (min: number) =>
    evaluatePolicy({ classCriteria: [{ class: 'V', metric: 'sensitivity', min }] }, results, undefined);
  const undecided = at(0.8);
  assert.equal(undecided.verdict, 'NOT DECIDED');
  assert.equal(undecided.pass, false);
  assert.equal(undecided.gates[0]?.status, 'undecided');
  assert.match(undecided.gates[0]?.intervalMethod ?? '', /Clopper-Pearson/);
  assert.equal(at(0.5).verdict, 'PASS');
  assert.equal(at(0.995).verdict, 'FAIL');
  // One record: an EC57 average has no interval, so even a value far above the limit decides nothing.
  const single = evaluatePolicy(
    { classCriteria: [{ class: 'V', metric: 'sensitivity', pooling: 'average', min: 0.5 }] },
    cleanOf(1, 10, () => 9),
    undefined,
  );
  assert.equal(single.gates[0]?.status, 'undecided');
  assert.match(single.gates[0]?.intervalMethod ?? '', /a single record gives no interval/);
  // Plenty of records: the same 90% is decided against 80%.
  assert.equal(
    evaluatePolicy(
      { classCriteria: [{ class: 'V', metric: 'sensitivity', min: 0.8 }] },
      cleanOf(40, 10, () => 9),
      undefined,
    ).verdict,
    'PASS',
  );
});

test('EC57 averaged over records differs from gross; test-record and sample counts are criteria', () => {
  // Record 0: 100 V, all found; records 1 to 4: 10 V, none found. Gross 100/140, averaged 1/5.
  const labels: number[] = [];
  const predicted: number[] = [];
  const groups: number[] = [];
  const add = (label: number, guess: number, g: number) => {
    labels.push(label);
    predicted.push(guess);
    groups.push(g);
  };
  for (let g = 0; g < 5; g++) {
    for (let i = 0; i < 50; i++) add(0, 0, g);
    const v = g === 0 ? 100 : 10;
    for (let i = 0; i < v; i++) add(1, g === 0 ? 1 : 0, g);
  }
  const perRecord = recordConfusions(labels, predicted, groups, ['a', 'b', 'c', 'd', 'e'], 2);
  const results: ValidationResults = {
    clean: { ...classificationMetrics(labels, predicted, classes), perRecord },
  };
  const r = evaluatePolicy(
    {
      classCriteria: [
        { class: 'V', metric: 'sensitivity', pooling: 'gross', min: 0.5 },
        { class: 'V', metric: 'sensitivity', pooling: 'average', min: 0.9 },
        { class: 'X', metric: 'sensitivity', min: 0.5 },
      ],
      minTestRecords: 6,
      minTestRecordsPerClass: { V: 5 },
    },
    results,
    undefined,
    { testRecords: 5, recordsPerClass: { N: 5, V: 5 } },
  );
  const byGate = Object.fromEntries(r.gates.map((g) => [g.gate, g]));
  assert.ok(Math.abs((byGate['min_sensitivity:V']?.value ?? 0) - 100 / 140) < 1e-12);
  assert.ok(Math.abs((byGate['min_sensitivity:V:average']?.value ?? 0) - 0.2) < 1e-12);
  assert.equal(byGate['min_sensitivity:V:average']?.status, 'fail');
  assert.match(byGate['min_sensitivity:V:average']?.intervalMethod ?? '', /Student's t over 5/);
  assert.equal(byGate['min_sensitivity:X']?.status, 'fail');
  assert.match(byGate['min_sensitivity:X']?.detail ?? '', /not one of this model's classes/);
  assert.equal(byGate['min_test_records']?.status, 'fail');
  assert.equal(byGate['min_test_records:V']?.status, 'pass');
  assert.equal(r.verdict, 'FAIL');
});

test('every template is a valid policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-template-'));
  try {
    for (const name of POLICY_TEMPLATE_NAMES) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(policyTemplate(name)));
      assert.deepEqual(loadPolicy(file), policyTemplate(name));
    }
    assert.throws(
      () => policyTemplate('cardiology'),
      /unknown policy template "cardiology"; available: ecg-aami/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('attest policy template prints a file validate accepts; policy check names an unknown criterion or a bad value (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-policy-cli-'));
  try {
    const template = await runCli(['policy', 'template', 'ecg-aami']);
    assert.equal(template.code, 0, template.stderr);
    const file = join(dir, 'policy.json');
    writeFileSync(file, template.stdout);
    const checked = await runCli(['policy', 'check', file, '--json']);
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(checked.json['valid'], true);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ maxEce: 0.1, minSensitivityV: 0.9 }));
    const refused = await runCli(['policy', 'check', unknown]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /unknown\.json/);
    assert.match(refused.stderr, /unknown criterion "minSensitivityV"; known criteria: .*classCriteria/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ classCriteria: [{ class: 'V', metric: 'sensitivity', min: 90 }] }));
    const badValue = await runCli(['policy', 'check', bad]);
    assert.equal(badValue.code, 2);
    assert.match(badValue.stderr, /classCriteria\.0\.min: .*\(got 90\)/);
    const missing = await runCli(['policy', 'template', 'cardiology']);
    assert.equal(missing.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an error names the file', () => {
  assert.throws(
    () => loadPolicy('/nonexistent/policy.json'),
    (e: unknown) => e instanceof AttestError && e.message.includes('/nonexistent/policy.json'),
  );
});
