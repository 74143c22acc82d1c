import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { gatherWindows, loadEcgDataset } from '../../src-main/core/data/ecg-dataset.js';
import { sampleIndices } from '../../src-main/core/data/sample-dataset.js';
import { AttestError } from '../../src-main/core/errors.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { loadPolicy, policyNeeds } from '../../src-main/core/validate/policy.js';
import { policyInInputUnits } from '../../src-main/core/validate/policy-budget-units.js';
import { reviewerScaleOf } from '../../src-main/core/validate/reviewer-units.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

test('a policy budget in mV becomes input units with the median beat standard deviation of the test beats', async () => {
  const home = tempHome('attest-budget-units');
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      join(REPO_ROOT, 'resources', 'mitdb', '119'),
      join(REPO_ROOT, 'resources', 'mitdb', '208'),
      '--name',
      'beats',
      '--split',
      'test:119',
      '--duration',
      '60',
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const datasetId = imported.json['datasetId'] as string;
    const file = join(home.dir, 'policy.json');
    writeFileSync(
      file,
      JSON.stringify({ minRobustAccuracy: [{ suite: 'fgsm', epsilon: 0.05, unit: 'mV', minAccuracy: 0.5 }] }),
    );
    const policy = loadPolicy(file);
    const workspace = Workspace.open(home.dir);
    try {
      const dataset = loadDataset(workspace, datasetId);
      const indices = sampleIndices(dataset, 'test');
      // The beats' own standard deviations in mV, independently of the conversion.
      const ecg = loadEcgDataset(workspace, datasetId);
      const windows = gatherWindows(ecg, indices);
      const deviations = Array.from({ length: indices.length }, (_, k) => {
        const beat = Array.from(windows.subarray(k * ecg.length, (k + 1) * ecg.length));
        const mean = beat.reduce((a, v) => a + v, 0) / beat.length;
        return Math.sqrt(beat.reduce((a, v) => a + (v - mean) ** 2, 0) / beat.length);
      }).sort((a, b) => a - b);
      const mid = deviations.length / 2;
      const median =
        deviations.length % 2 === 1
          ? (deviations[Math.floor(mid)] as number)
          : ((deviations[mid - 1] as number) + (deviations[mid] as number)) / 2;
      const converted = policyInInputUnits(policy, reviewerScaleOf(workspace, dataset, indices), 'dataset');
      const gate = converted.minRobustAccuracy?.[0] as unknown as {
        epsilon: number;
        unit: string;
        budgetNote: string;
      };
      assert.equal(gate.unit, 'input');
      assert.ok(
        Math.abs(gate.epsilon - 0.05 / median) < 1e-6 * gate.epsilon,
        `${gate.epsilon} vs ${0.05 / median}`,
      );
      assert.match(
        gate.budgetNote,
        /^0\.05 mV = [0-9.]+ input units; one input unit is a beat's standard deviation/,
      );
      // The validation sweeps the converted budget.
      assert.deepEqual(policyNeeds(converted).epsilons, [gate.epsilon]);
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});

test('budgets in a unit the dataset has no scale for, or on a gate without an amplitude budget, are refused', () => {
  const policy = {
    minRobustAccuracy: [
      { suite: 'fgsm' as const, epsilon: 2, unit: 'grey-levels' as const, minAccuracy: 0.5 },
    ],
  };
  assert.throws(
    () => policyInInputUnits(policy, { unit: 'mV', perInputUnit: 0.3, basis: 'b' }, 'dataset ds-1'),
    (e: unknown) =>
      e instanceof AttestError &&
      /budget in grey levels of 255, but dataset ds-1 is measured in mV/.test(e.message),
  );
  assert.throws(
    () => policyInInputUnits(policy, null, 'dataset ds-2'),
    (e: unknown) => e instanceof AttestError && /dataset ds-2 records no such scale/.test(e.message),
  );
  const home = tempHome('attest-budget-units-file');
  try {
    const file = join(home.dir, 'noise.json');
    writeFileSync(
      file,
      JSON.stringify({ minRobustAccuracy: [{ suite: 'noise', snrDb: 6, unit: 'mV', minAccuracy: 0.5 }] }),
    );
    assert.throws(
      () => loadPolicy(file),
      (e: unknown) =>
        e instanceof AttestError &&
        /noise\.json: .*unit mV is for amplitude budgets .*not a noise gate/.test(e.message),
    );
  } finally {
    home.cleanup();
  }
});
