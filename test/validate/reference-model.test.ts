import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { validateModel, parseSuites } from '../../src-main/core/pipelines/validate/validate-model.js';
import { validationsOfModel } from '../../src-main/core/store/validations.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { tempHome } from '../helpers/temp-home.js';
import { storeConstantModel, storeOneClassModel } from './one-class-model.js';

/*
 * A model made elsewhere has no parent: `--reference MODEL` names the model it is judged against (a vendor model
 * beside an in-house baseline). Built case: on synthetic patients where about 70 % of beats are N, a model that
 * always answers N beats one that always answers S far beyond chance, so the finding "better than the reference:
 * suspect the reference" fires against the named reference, and does not without one.
 */

interface Finding {
  code: string;
  message: string;
}

test('--reference: the findings compare with the named model; without it a baseline has nothing to compare', async () => {
  await initEngine();
  const home = tempHome('attest-reference');
  const workspace = Workspace.open(home.dir);
  try {
    const { datasetId, modelId } = await storeOneClassModel(workspace);
    const alwaysS = await storeConstantModel(workspace, datasetId, 1, 'always S');
    const suites = parseSuites('clean');
    const judged = (await validateModel(
      workspace,
      { modelId, datasetId, split: 'test', suites, referenceModelId: alwaysS },
      quietContext(),
    )) as unknown as { validationId: string; findings: Finding[] };
    const better = judged.findings.find((f) => f.code === 'better-than-reference');
    assert.ok(better !== undefined, JSON.stringify(judged.findings.map((f) => f.code)));
    assert.match(better.message, new RegExp(`better than the reference model ${alwaysS}`));
    const event = listAuditEvents(workspace.db).find((e) => e.entityId === judged.validationId);
    assert.equal(event?.payload.params?.['referenceModelId'], alwaysS, 'the reference is in the audit trail');

    const alone = (await validateModel(
      workspace,
      { modelId, datasetId, split: 'test', suites },
      quietContext(),
    )) as unknown as { findings: Finding[] };
    assert.ok(!alone.findings.some((f) => f.code === 'better-than-reference'));

    const before = validationsOfModel(workspace.db, modelId).length;
    await assert.rejects(
      validateModel(
        workspace,
        { modelId, datasetId, split: 'test', suites, referenceModelId: 'm-nope' },
        quietContext(),
      ),
      /m-nope/,
    );
    assert.equal(
      validationsOfModel(workspace.db, modelId).length,
      before,
      'nothing stored for a missing reference',
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
