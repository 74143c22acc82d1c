import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { AttestError } from '../../src-main/core/errors.js';
import { classificationMetrics } from '../../src-main/core/metrics/metrics.js';
import { evaluatePolicy, loadPolicy, policyNeeds } from '../../src-main/core/validate/policy.js';
import type { ValidationResults } from '../../src-main/core/validate/rows.js';

const classes = ['N', 'V'];
// Parent: 9 of 10 right (V recall 4/5); child: 7 of 10 (V recall 2/5).
const parent = classificationMetrics([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1, 1, 0], classes);
const child = classificationMetrics([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 0, 0, 0], classes);

const results: ValidationResults = {
  clean: child,
  fgsm: {
    unit: 'u',
    norm: 'Linf',
    n: 10,
    cleanAccuracy: 0.7,
    points: [{ epsilon: 0.05, accuracy: 0.6, attackSuccessRate: 0.1 }],
  },
};

test('gates pass and fail on drops against the parent, robust accuracy; missing figures fail', () => {
  const r = evaluatePolicy(
    {
      name: 'ward 4',
      maxAccuracyDrop: 0.25,
      maxClassRecallDrop: { V: 0.3, '*': 0.5 },
      minRobustAccuracy: [
        { suite: 'fgsm', epsilon: 0.05, minAccuracy: 0.5 },
        { suite: 'fgsm', epsilon: 0.1, minAccuracy: 0.5 },
      ],
      maxEce: 0.1,
    },
    results,
    parent,
  );
  const byGate = Object.fromEntries(r.gates.map((g) => [`${g.gate}/${g.detail}`, g]));
  const accuracy = r.gates.find((g) => g.gate === 'max_accuracy_drop');
  assert.ok(Math.abs((accuracy?.value as number) - 0.2) < 1e-12);
  assert.equal(accuracy?.pass, true);
  const v = r.gates.find((g) => g.gate === 'max_class_recall_drop:V');
  assert.ok(Math.abs((v?.value as number) - 0.4) < 1e-12);
  assert.equal(v?.pass, false, 'V recall fell 40 points, the limit is 30');
  assert.equal(r.gates.find((g) => g.gate === 'max_class_recall_drop:N')?.pass, true);
  assert.equal(byGate['min_robust_accuracy:fgsm/FGSM at epsilon 0.05']?.pass, true);
  assert.equal(byGate['min_robust_accuracy:fgsm/FGSM at epsilon 0.1']?.value, null);
  assert.equal(byGate['min_robust_accuracy:fgsm/FGSM at epsilon 0.1']?.pass, false, 'not measured: fails');
  assert.equal(r.gates.find((g) => g.gate === 'max_ece')?.pass, false, 'no calibration suite: fails');
  assert.equal(r.pass, false);
  assert.equal(r.name, 'ward 4');
  const noParent = evaluatePolicy({ maxAccuracyDrop: 0.5 }, results, undefined);
  assert.equal(noParent.pass, false);
  assert.match(noParent.gates[0]?.detail ?? '', /no parent/);
  assert.equal(evaluatePolicy({ maxAccuracyDrop: 0.5 }, results, parent).pass, true);
});

test('corruption gates: the worst corruption at a severity, and the mean corruption error against the parent', () => {
  const corrupted: ValidationResults = {
    corruptions: {
      n: 10,
      cleanAccuracy: 0.9,
      parentId: 'p',
      parentCleanAccuracy: 0.9,
      corruptions: [
        {
          corruption: 'gaussian',
          name: 'Gaussian noise',
          points: [{ severity: 3, accuracy: 0.6, parentAccuracy: 0.7 }],
          meanAccuracy: 0.6,
          corruptionError: 4 / 3,
          relativeCorruptionError: 1.5,
        },
        {
          corruption: 'jpeg',
          name: 'JPEG re-compression',
          points: [{ severity: 3, accuracy: 0.8, parentAccuracy: 0.8 }],
          meanAccuracy: 0.8,
          corruptionError: 1,
          relativeCorruptionError: 1,
        },
      ],
      meanCorruptionAccuracy: 0.7,
      mCE: 7 / 6,
      relativeMCE: 1.25,
    },
  };
  const r = evaluatePolicy(
    {
      minRobustAccuracy: [
        { suite: 'corruptions', severity: 3, minAccuracy: 0.65 },
        { suite: 'corruptions', severity: 3, corruption: 'jpeg', minAccuracy: 0.65 },
      ],
      maxCorruptionError: 1.1,
    },
    corrupted,
    undefined,
  );
  assert.deepEqual(
    r.gates.map((g) => [g.gate, g.value, g.pass, g.detail]),
    [
      ['min_robust_accuracy:corruptions', 0.6, false, 'worst corruption gaussian at severity 3'],
      ['min_robust_accuracy:corruptions', 0.8, true, 'worst corruption jpeg at severity 3'],
      ['max_corruption_error', 7 / 6, false, 'mean corruption error against the parent (needs a parent)'],
    ],
  );
});

test('a policy names the suites and sweep points it needs', () => {
  assert.deepEqual(
    policyNeeds({
      maxMacroF1Drop: 0.1,
      maxEce: 0.1,
      maxMembershipAdvantage: 0.2,
      minRobustAccuracy: [
        { suite: 'pgd', epsilon: 0.02, minAccuracy: 0.5 },
        { suite: 'pgd', norm: 'L2', epsilon: 2, minAccuracy: 0.5 },
        { suite: 'noise', snrDb: 6, minAccuracy: 0.5 },
        { suite: 'sparse', epsilon: 3, minAccuracy: 0.5 },
      ],
    }),
    {
      suites: ['clean', 'calibration', 'membership', 'pgd', 'noise', 'sparse'],
      epsilons: [0.02],
      l2Epsilons: [2],
      budgets: [3],
      snrs: [6],
    },
  );
});

test('policy files that are not JSON, have unknown keys or absurd limits are refused naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-policy-'));
  try {
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const bad = (file: string, pattern: RegExp) =>
      assert.throws(
        () => loadPolicy(file),
        (e: unknown) =>
          e instanceof AttestError &&
          e.code === 'BAD_INPUT' &&
          e.message.includes(file) &&
          pattern.test(e.message),
      );
    bad(write('a.json', '{"maxEce": '), /not JSON/);
    bad(write('b.json', '{"maxEcee": 0.1}'), /maxEcee|unrecognized/i);
    bad(write('c.json', '{"maxAccuracyDrop": 2}'), /maxAccuracyDrop/);
    bad(write('d.json', '{"minRobustAccuracy": [{"suite": "pgd", "minAccuracy": 0.5}]}'), /needs epsilon/);
    bad(join(dir, 'missing.json'), /cannot read/);
    assert.deepEqual(loadPolicy(write('ok.json', '{"maxEce": 0.1}')), { maxEce: 0.1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
