import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelComparisonView, Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { labelsOf, sampleIndices } from '../../src-main/core/data/sample-dataset.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { storeConstantModel, storeOneClassModel } from '../validate/one-class-model.js';
import { tempHome } from '../helpers/temp-home.js';
import { initEngine } from '../../src-main/core/engine/backend.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

test('models.compare: two models on the same test samples, with differences, flips and stored verdicts', async () => {
  await initEngine();
  const home = tempHome('models-compare');
  const workspace = Workspace.open(home.dir);
  const engine = new Dispatcher(workspace, () => undefined);
  try {
    // Two models whose every answer is known: one always says N (class 0), the other always S (class 1).
    const { datasetId, modelId: alwaysN } = await storeOneClassModel(workspace);
    const alwaysS = await storeConstantModel(workspace, datasetId, 1, 'always S');
    await validateModel(
      workspace,
      { modelId: alwaysN, datasetId, split: 'test', suites: ['clean'], policy: { minAccuracy: 0.99 } },
      quietContext(),
    );
    const events = listAuditEvents(workspace.db).length;

    const dataset = loadDataset(workspace, datasetId);
    const labels = labelsOf(dataset, sampleIndices(dataset, 'test'));
    const count = (c: number) => labels.filter((l) => l === c).length;
    const n = labels.length;
    assert.ok(count(0) > 0 && count(1) > 0, 'the test split holds N and S beats');

    const view = value<ModelComparisonView>(
      await engine.dispatch('models.compare', { datasetId, modelIds: [alwaysN, alwaysS], split: 'test' }),
    );
    assert.equal(view.n, n);
    assert.deepEqual(view.classes, dataset.classes);
    const [first, second] = view.models;
    assert.equal(first?.name, 'always N');
    assert.equal(first?.accuracy, count(0) / n);
    assert.equal(second?.accuracy, count(1) / n);
    assert.equal(first?.vsReference, null, 'the first model is the reference');
    // Every N beat was right under the reference and is wrong now; every S beat the other way round.
    assert.equal(second?.vsReference?.lost, count(0));
    assert.equal(second?.vsReference?.gained, count(1));
    assert.deepEqual(second?.vsReference?.perClass['N'], { lost: count(0), gained: 0 });
    assert.deepEqual(second?.vsReference?.perClass['S'], { lost: 0, gained: count(1) });
    assert.ok(
      Math.abs((second?.vsReference?.accuracyPoints ?? NaN) - ((count(1) - count(0)) / n) * 100) < 1e-9,
    );
    assert.ok((second?.vsReference?.pValue ?? 1) < 0.05, 'hundreds of lost against a few gained');
    const [low, high] = first?.accuracyInterval ?? [NaN, NaN];
    assert.ok(low < count(0) / n && count(0) / n < high);
    assert.equal(first?.perClass.find((c) => c.label === 'N')?.sensitivity, 1);
    // The verdict of the stored validation is shown; the model never validated has none.
    assert.equal(first?.validation?.verdict, 'FAIL');
    assert.equal(second?.validation, null);
    assert.equal(listAuditEvents(workspace.db).length, events, 'comparing stores nothing');

    // Refused with reasons: one model, the same model twice, a model that does not exist.
    const refusal = async (payload: unknown) => {
      const r = await engine.dispatch('models.compare', payload);
      assert.equal(r.ok, false);
      return r.ok ? '' : r.error.message;
    };
    assert.match(await refusal({ datasetId, modelIds: [alwaysN], split: 'test' }), /models\.compare/);
    assert.match(
      await refusal({ datasetId, modelIds: [alwaysN, alwaysN], split: 'test' }),
      /at least two different models/,
    );
    assert.match(await refusal({ datasetId, modelIds: [alwaysN, 'm-nothing'], split: 'test' }), /m-nothing/);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
