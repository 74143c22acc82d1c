import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { getModel } from '../../src-main/core/store/models.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { runDemo } from '../../src-main/core/pipelines/demo/run-demo.js';

/*
 * The demo's path after its import (shared by the ECG and the image demo): a baseline, its compressed child, both
 * validated on the same test split, and the report; one short run on synthetic patients (no patient data).
 */

test('the demo imports, trains, derives a smaller child, validates both and writes the report, each step audited', async () => {
  await initEngine();
  const home = tempHome('demo');
  const workspace = Workspace.open(home.dir);
  try {
    const seen: number[] = [];
    const result = await runDemo(
      workspace,
      { data: 'synthetic', epochs: 1 },
      { ...quietContext(), progress: (f) => seen.push(f) },
    );
    const child = getModel(workspace.db, result.compressedModelId);
    assert.equal(child.parentId, result.modelId);
    assert.equal(child.recipe, 'prune:0.8,quant:int8');
    assert.equal(getModel(workspace.db, result.modelId).datasetId, result.datasetId);
    assert.ok(
      result.compressedBytes < result.baselineBytes,
      `${result.compressedBytes} < ${result.baselineBytes}`,
    );
    for (const outcome of [result.baseline, result.compressed]) {
      assert.ok(outcome.accuracy >= 0 && outcome.accuracy <= 1, `accuracy ${outcome.accuracy}`);
      assert.ok(Array.isArray(outcome.findings));
    }
    assert.ok(existsSync(result.reportPath), result.reportPath);
    const actions = listAuditEvents(workspace.db).map((e) => e.action);
    assert.deepEqual(
      ['dataset.import', 'model.train', 'model.compress', 'model.validate', 'model.validate'].map((a) =>
        actions.includes(a),
      ),
      [true, true, true, true, true],
    );
    assert.equal(actions.filter((a) => a === 'model.validate').length, 2);
    assert.equal(seen.at(-1), 1);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
