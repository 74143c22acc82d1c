import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import type { MembershipResult } from '../../src-main/core/validate/membership-suite.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { getModel } from '../../src-main/core/store/models.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { renderModelReport } from '../../src-main/core/report/model-report.js';
import { gatherReportData } from '../../src-main/core/report/report-data.js';
import { tempHome } from '../helpers/temp-home.js';

async function membershipOf(
  split: string,
  shadowModels = 0,
): Promise<{ result: MembershipResult; html: string; patients: number }> {
  const home = tempHome('mi-questions');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 8, seconds: 60, seed: 4, split: parseSplitSpec(split) },
      ctx,
    );
    const model = await trainModel(
      workspace,
      { datasetId: data.datasetId, arch: 'ecg-resnet', epochs: 1, seed: 1 },
      ctx,
    );
    const validated = (await validateModel(
      workspace,
      {
        modelId: model.modelId,
        datasetId: data.datasetId,
        split: 'test',
        suites: ['membership'],
        shadowModels,
        ...(shadowModels > 0 ? { shadowEpochs: 1 } : {}),
        membershipSamples: 200,
      },
      ctx,
    )) as unknown as { membership: MembershipResult };
    const row = getModel(workspace.db, model.modelId);
    const fit = new Set(row.summary['trainRecords'] as string[]);
    const dataset = loadDataset(workspace, data.datasetId);
    assert.ok(dataset.groups.length === 8);
    return {
      result: validated.membership,
      html: renderModelReport(gatherReportData(workspace, model.modelId)),
      patients: fit.size,
    };
  } finally {
    workspace.close();
    home.cleanup();
  }
}

test('membership inference asks well-posed questions: beats of the same patients, or patients never trained on', async () => {
  await initEngine('wasm');
  // Split by beat: every patient has trained-on and held-out beats, so the sample-level question is asked on
  // the same patients; no patient lies outside training, so the patient-level question is not.
  const byBeat = await membershipOf('beats:2:0.3');
  const sample = byBeat.result.sampleLevel;
  assert.ok('question' in sample, JSON.stringify(sample));
  assert.equal(byBeat.result.question, 'sample');
  assert.equal(sample.members, sample.nonMembers, 'as many held-out as trained-on beats');
  assert.ok(sample.members >= 50 && sample.members <= 200, `${sample.members} members`);
  assert.match(sample.population, new RegExp(`of the same ${byBeat.patients} patients`));
  assert.ok('unavailable' in byBeat.result.patientLevel);
  assert.ok(byBeat.html.includes('Was this beat in the training data?'));
  assert.ok(byBeat.html.includes(sample.population));
  // 200 non-members cannot resolve 1% or 0.1%: marked, not computed from two false positives.
  assert.equal(sample.model.lossThreshold.tprAtFpr001, null);
  // Split by record: no held-out beat of a training patient; the question is asked of patients.
  const byRecord = await membershipOf('records:2:0.25');
  assert.ok('unavailable' in byRecord.result.sampleLevel);
  assert.match((byRecord.result.sampleLevel as { unavailable: string }).unavailable, /split by beat/);
  const patient = byRecord.result.patientLevel;
  assert.ok('question' in patient, JSON.stringify(patient));
  assert.equal(byRecord.result.question, 'patient');
  assert.equal(patient.members, byRecord.patients);
  assert.equal(patient.nonMembers, 2, 'the two test records');
  assert.match(patient.population, /too few patients/);
  assert.ok(byRecord.html.includes('Was this patient in the training data?'));
});

test('LiRA states how many OUT shadow models stand behind each sample and what a shadow costs', async () => {
  await initEngine('wasm');
  const { result } = await membershipOf('beats:2:0.3', 2);
  const sample = result.sampleLevel;
  assert.ok('question' in sample, JSON.stringify(sample));
  assert.ok(sample.model.lira !== null, 'LiRA scored with the shadows');
  const shadows = result.shadows;
  assert.ok(shadows !== null);
  assert.equal(shadows.count, 2);
  assert.equal(shadows.epochs, 1);
  // Each shadow trains on half of the samples: a sample is OUT in about one of the two.
  assert.ok(Math.abs(shadows.outPerSample - 1) <= 0.01, `${shadows.outPerSample} OUT per sample`);
  assert.ok(shadows.secondsPerShadow > 0);
  assert.match(
    shadows.note,
    /^each sample has about 1\.0 OUT shadow models, too few for its own variance \(Carlini et al\. 2022 train 64 or more\): the variance is pooled over all samples\. 64 shadows would take about \d+ minutes here$/,
  );
  assert.equal(
    shadows.note.match(/about (\d+) minutes/)?.[1],
    String(Math.round((shadows.secondsPerShadow * 64) / 60)),
  );
});
