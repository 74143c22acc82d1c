import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { validateModel, parseSuites } from '../../src-main/core/pipelines/validate/validate-model.js';
import { metricsOfValidation, validationsOfModel } from '../../src-main/core/store/validations.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tempHome } from '../helpers/temp-home.js';
import { storeOneClassModel } from './one-class-model.js';

test('a suite that fails keeps the suites already run: stored, with the failed one named and its reason', async () => {
  await initEngine();
  const home = tempHome('attest-failed-suite');
  const workspace = Workspace.open(home.dir);
  try {
    // A model built, not trained: it records no training records, so membership inference cannot run on it.
    const { datasetId, modelId } = await storeOneClassModel(workspace);
    const result = (await validateModel(
      workspace,
      { modelId, datasetId, split: 'test', suites: parseSuites('clean,membership,calibration') },
      quietContext(),
    )) as unknown as {
      validationId: string;
      clean?: { accuracy: number };
      calibration?: unknown;
      membership?: unknown;
      failedSuites?: { suite: string; reason: string }[];
    };
    assert.ok(result.clean !== undefined && result.calibration !== undefined, 'the suites before and after');
    assert.equal(result.membership, undefined);
    assert.deepEqual(
      result.failedSuites?.map((f) => f.suite),
      ['membership'],
    );
    assert.match(result.failedSuites?.[0]?.reason ?? '', /does not record its training records/);

    const [stored] = validationsOfModel(workspace.db, modelId);
    assert.equal(stored?.id, result.validationId);
    assert.deepEqual(stored?.suites, ['clean', 'calibration'], 'the stored suites are those that ran');
    assert.deepEqual(stored?.result['failedSuites'], result.failedSuites);
    assert.equal((stored?.result['clean'] as { accuracy: number }).accuracy, result.clean.accuracy);
    assert.ok(metricsOfValidation(workspace.db, result.validationId).some((m) => m.suite === 'clean'));
    const event = listAuditEvents(workspace.db).find((e) => e.entityId === result.validationId);
    assert.equal(event?.action, 'model.validate');
    assert.match(JSON.stringify(event?.payload), /failedSuites.*membership/);

    // When no suite can run there is nothing to keep: refused with every reason, and nothing stored.
    const before = listAuditEvents(workspace.db).length;
    await assert.rejects(
      validateModel(
        workspace,
        { modelId, datasetId, split: 'test', suites: ['membership', 'transfer'] },
        quietContext(),
      ),
      (error: unknown) =>
        error instanceof AttestError &&
        error.code === 'BAD_INPUT' &&
        /no suite could run: membership: model .* does not record its training records; transfer: .* baseline without parent/.test(
          error.message,
        ),
    );
    // One suite asked that fails is refused as itself.
    await assert.rejects(
      validateModel(workspace, { modelId, datasetId, split: 'test', suites: ['membership'] }, quietContext()),
      /^AttestError: model .* does not record its training records$/,
    );
    assert.equal(validationsOfModel(workspace.db, modelId).length, 1);
    assert.equal(
      listAuditEvents(workspace.db).filter((e) => e.action === 'model.validate').length,
      1,
      `no validation event after the refusal (${before} events before)`,
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
