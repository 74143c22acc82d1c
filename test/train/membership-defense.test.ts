import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import {
  defendMembership,
  MEMBERSHIP_DEFENSE_RECIPE,
} from '../../src-main/core/pipelines/train/membership-defense.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { getModel } from '../../src-main/core/store/models.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { tempHome } from '../helpers/temp-home.js';

test('membership defence: a child distilled on reference samples, audited, with the attack before and after', async () => {
  await initEngine('wasm');
  const home = tempHome('mi-defense');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 8, seconds: 90, seed: 4, split: parseSplitSpec('records:2:0.25') },
      ctx,
    );
    const teacher = await trainModel(
      workspace,
      { datasetId: data.datasetId, arch: 'ecg-resnet', epochs: 4, seed: 1 },
      ctx,
    );
    const defended = await defendMembership(workspace, { modelId: teacher.modelId, epochs: 3 }, ctx);
    const row = getModel(workspace.db, defended.modelId);
    assert.equal(row.parentId, teacher.modelId);
    assert.equal(row.recipe, MEMBERSHIP_DEFENSE_RECIPE);
    assert.deepEqual(
      row.summary['trainRecords'],
      getModel(workspace.db, teacher.modelId).summary['trainRecords'],
    );
    const validated = (await validateModel(
      workspace,
      {
        modelId: defended.modelId,
        datasetId: data.datasetId,
        split: 'test',
        suites: ['clean', 'membership'],
        shadowModels: 0,
        membershipSamples: 100,
      },
      ctx,
    )) as unknown as {
      clean: { accuracy: number };
      membership: {
        model: { modelId: string; lossThreshold: { auc: number } };
        parent: { modelId: string; lossThreshold: { auc: number } } | null;
      };
    };
    assert.equal(validated.membership.model.modelId, defended.modelId);
    assert.equal(
      validated.membership.parent?.modelId,
      teacher.modelId,
      'the attack on the teacher, before the defence',
    );
    for (const f of [validated.membership.model, validated.membership.parent])
      assert.ok((f?.lossThreshold.auc ?? -1) >= 0 && (f?.lossThreshold.auc ?? 2) <= 1);
    assert.ok(validated.clean.accuracy > 0.6, `the child still classifies (${validated.clean.accuracy})`);
    await assert.rejects(
      defendMembership(workspace, { modelId: teacher.modelId, samples: 5 }, ctx),
      /--samples/,
    );
    const actions = (
      workspace.db.prepare('SELECT action FROM audit_events').all() as { action: string }[]
    ).map((r) => r.action);
    assert.ok(actions.includes('model.membership_defense'));
  } finally {
    workspace.close();
    home.cleanup();
  }
});
