import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { compressModel } from '../../src-main/core/pipelines/compress/compress-model.js';
import { getModel } from '../../src-main/core/store/models.js';
import { metricsOfValidation, validationsOfModel } from '../../src-main/core/store/validations.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { gatherReportData } from '../../src-main/core/report/report-data.js';
import { renderModelReport } from '../../src-main/core/report/model-report.js';
import { AttestError } from '../../src-main/core/errors.js';
import { parseSuites, validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { storedTemperature } from '../../src-main/core/validate/suite-context.js';
import type { CalibrationResult, CleanResult } from '../../src-main/core/validate/clean-suites.js';
import type { AttackSweep } from '../../src-main/core/validate/attack-sweep.js';
import type { TransferResult } from '../../src-main/core/validate/transfer-attack.js';
import type { DisagreementResult } from '../../src-main/core/validate/disagreement.js';
import type { MembershipResult } from '../../src-main/core/validate/membership-suite.js';
import type { DetectionResult } from '../../src-main/core/validate/detection-suite.js';
import type { PolicyResult } from '../../src-main/core/validate/policy.js';
import type { AttributionResult } from '../../src-main/core/validate/attribution-suite.js';
import {
  suiteResultSchema,
  validationFramingSchema,
  validationResultSchema,
} from '../../src-main/core/validate/validation-result-schema.js';
import { main } from '../../src-main/cli/main.js';
import { tempHome } from '../helpers/temp-home.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The result of validateModel with the suites these tests run. */
interface Validated {
  clean: CleanResult;
  calibration: CalibrationResult;
  pgd: { sweeps: AttackSweep[] };
  sparse: { sweeps: AttackSweep[] };
  square: { sweeps: AttackSweep[] };
  transfer: TransferResult;
  disagreement: DisagreementResult;
  membership: MembershipResult;
  metricRows: number;
}

// One small real pipeline shared by the tests: synthetic patients, a one-epoch ecg-resnet, a pruned int8 child.
const home = tempHome('attest-validate');
let workspace: Workspace;
let datasetId: string;
let parentId: string;
let childId: string;

before(async () => {
  await initEngine();
  workspace = Workspace.open(home.dir);
  const ctx = quietContext();
  const imported = importSyntheticEcgDataset(
    workspace,
    { name: 'syn', records: 4, seconds: 90, seed: 3, split: parseSplitSpec('records:1:0.25') },
    ctx,
  );
  datasetId = imported.datasetId;
  parentId = (await trainModel(workspace, { datasetId, arch: 'ecg-resnet', epochs: 4, seed: 1 }, ctx))
    .modelId;
  childId = (
    await compressModel(
      workspace,
      { modelId: parentId, recipe: 'prune:0.5,quant:int8', fineTuneEpochs: 1 },
      ctx,
    )
  ).modelId;
});

after(() => {
  workspace.close();
  home.cleanup();
});

test('every suite runs on a compressed child, is stored with its metric rows and audit event, and leaks no tensor', async () => {
  const tensors = tf.memory().numTensors;
  const result = (await validateModel(
    workspace,
    {
      modelId: childId,
      datasetId,
      split: 'test',
      suites: parseSuites('clean,calibration,pgd,sparse,square,transfer,disagreement,membership'),
      epsilons: [0.05, 0.5],
      pgdNorms: ['Linf', 'L2'],
      l2Epsilons: [1],
      pgdSteps: 2,
      target: 'V',
      sparseBudgets: [3],
      sparseSteps: 2,
      squareQueries: 5,
      membershipSamples: 40,
      shadowModels: 1,
      shadowEpochs: 1,
    },
    quietContext(),
  )) as unknown as Validated;
  assert.equal(tf.memory().numTensors, tensors);
  // Clean: specificity per class, ROC per class, argmax rule.
  const clean = result.clean;
  assert.equal(clean.decisionRule.kind, 'argmax');
  assert.equal(clean.perClass.length, 5);
  assert.ok(
    clean.perClass.every((c) => c.specificity === null || (c.specificity >= 0 && c.specificity <= 1)),
  );
  assert.equal(clean.roc.perClass.length, 5);
  // Calibration: the temperature is fitted on the parent's validation records, never on the test split.
  const parent = getModel(workspace.db, parentId);
  const calibration = result.calibration;
  assert.deepEqual(calibration.temperature?.fittedOn.groups, parent.summary['validationRecords']);
  assert.equal(calibration.temperature?.fittedOn.modelId, parentId);
  assert.ok((calibration.after?.nll ?? Infinity) <= calibration.before.nll + 0.5);
  assert.equal(calibration.before.bins.length, 15);
  assert.equal(
    storedTemperature(workspace, childId, datasetId)?.temperature,
    calibration.temperature?.temperature,
  );
  assert.equal(storedTemperature(workspace, parentId, datasetId), undefined, 'the parent was not calibrated');
  // Attacks: L-inf, L2 and targeted PGD; sparse toward V; Square toward V; transfer from the parent.
  assert.deepEqual(
    result.pgd.sweeps.map((s) => [s.norm, s.targeted, s.points.length]),
    [
      ['Linf', false, 2],
      ['L2', false, 1],
      ['Linf', true, 2],
    ],
  );
  assert.equal(result.sparse.sweeps[0]?.target, 'V');
  assert.equal(result.square.sweeps[0]?.params['queries'], 5);
  assert.equal(result.transfer.sourceModelId, parentId);
  // Disagreement: every flip lists a sample of the test split with both predictions.
  assert.deepEqual(result.disagreement.populations, { model: [childId], parent: [parentId] });
  assert.equal(result.disagreement.flipped.length, Math.min(500, result.disagreement.flippedCount));
  assert.ok(result.disagreement.flipped.every((f) => f.model !== f.parent));
  assert.equal(
    result.disagreement.lostCount + result.disagreement.gainedCount <= result.disagreement.flippedCount,
    true,
  );
  // Membership inference on the child and, before compression, on its parent.
  // A split by record: the question is asked of patients (training records against test records).
  assert.equal(result.membership.question, 'patient');
  assert.equal(
    result.membership.members,
    (getModel(workspace.db, parentId).summary['trainRecords'] as string[]).length,
  );
  assert.ok('unavailable' in result.membership.sampleLevel);
  assert.equal(result.membership.parent?.modelId, parentId);
  assert.ok(result.membership.model.lira !== null);
  // Stored: the validation row, one metric row per figure, the audit event.
  const [stored] = validationsOfModel(workspace.db, childId);
  assert.ok(stored !== undefined);
  assert.deepEqual(stored.suites, [
    'clean',
    'calibration',
    'pgd',
    'sparse',
    'square',
    'transfer',
    'disagreement',
    'membership',
  ]);
  const rows = metricsOfValidation(workspace.db, stored.id);
  assert.equal(rows.length, result.metricRows);
  assert.ok(rows.some((r) => r.suite === 'calibration' && r.name === 'temperature'));
  assert.ok(
    rows.some((r) => r.suite === 'pgd' && r.name === 'target_success_rate' && r.params?.['target'] === 'V'),
  );
  assert.ok(rows.some((r) => r.suite === 'transfer' && r.name === 'gradient_masking_suspected'));
  assert.ok(
    listAuditEvents(workspace.db).some((e) => e.action === 'model.validate' && e.entityId === stored.id),
  );
  // The report shows each suite.
  const html = renderModelReport(gatherReportData(workspace, childId));
  for (const heading of [
    'ROC curves and specificity',
    'Calibration',
    'Adversarial robustness (PGD)',
    'Transfer attack from the parent',
    'What changed against the parent',
    'Membership inference (privacy)',
  ])
    assert.ok(html.includes(heading), heading);
});

test('mutation-detection (formerly detection) scores FGSM and PGD examples of the parent by label change rate under mutants', async () => {
  // The former name is still accepted, and read as the current one.
  assert.deepEqual(parseSuites('detection,clean'), ['mutation-detection', 'clean']);
  const tensors = tf.memory().numTensors;
  const result = (await validateModel(
    workspace,
    {
      modelId: parentId,
      datasetId,
      split: 'test',
      suites: ['mutation-detection'],
      mutants: 5,
      detectionSamples: 40,
      epsilons: [0.1, 0.5],
    },
    quietContext(),
  )) as unknown as { 'mutation-detection': DetectionResult };
  assert.equal(tf.memory().numTensors, tensors);
  assert.deepEqual(
    result['mutation-detection'].attacks.map((a) => [a.attack, a.normal]),
    [
      ['fgsm', 20],
      ['pgd-linf', 20],
    ],
  );
  assert.ok(
    result['mutation-detection'].acceptedMutants >= 1 && result['mutation-detection'].acceptedMutants <= 5,
  );
  const html = renderModelReport(gatherReportData(workspace, parentId));
  assert.ok(html.includes('Adversarial example detection (model mutation)'));
  const stored = validationsOfModel(workspace.db, parentId).find((v) =>
    v.suites.includes('mutation-detection'),
  );
  assert.ok(stored !== undefined);
  assert.ok(
    metricsOfValidation(workspace.db, stored.id).some(
      (m) => m.suite === 'mutation-detection' && m.name === 'auc',
    ),
  );
  // A validation stored before the rename keeps its record (its signatures bind it) and still reads.
  const old = validationResultSchema.parse({ detection: stored.result['mutation-detection'] });
  assert.deepEqual(old.detection, stored.result['mutation-detection']);
  assert.ok(suiteResultSchema('detection')?.safeParse(old.detection).success);
});

test('a policy adds the suites it needs, reports each gate, and the command exits 3 when one fails', async () => {
  const policy = {
    maxAccuracyDrop: 1,
    maxEce: 0,
    minRobustAccuracy: [{ suite: 'fgsm' as const, epsilon: 0.07, minAccuracy: 0 }],
  };
  const result = (await validateModel(
    workspace,
    { modelId: childId, datasetId, split: 'test', suites: ['clean'], policy },
    quietContext(),
  )) as unknown as { policy: PolicyResult; fgsm: { points: { epsilon: number }[] }; calibration: unknown };
  assert.ok(result.calibration !== undefined, 'calibration added for maxEce');
  assert.ok(
    result.fgsm.points.some((p) => p.epsilon === 0.07),
    'the gate epsilon joins the sweep',
  );
  assert.deepEqual(
    result.policy.gates.map((g) => [g.gate, g.pass]),
    [
      ['max_accuracy_drop', true],
      ['min_robust_accuracy:fgsm', true],
      ['max_ece', false],
    ],
  );
  assert.equal(result.policy.pass, false);
  const dir = mkdtempSync(join(tmpdir(), 'attest-policy-cli-'));
  try {
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify(policy));
    const run = (extra: string[]) =>
      main([
        '--home',
        home.dir,
        'validate',
        '--model',
        childId,
        '--dataset',
        datasetId,
        '--suite',
        'clean',
        ...extra,
        '--json',
      ]);
    assert.equal(await run(['--policy', file]), 3);
    writeFileSync(file, JSON.stringify({ maxAccuracyDrop: 1 }));
    assert.equal(await run(['--policy', file]), 0);
    writeFileSync(file, '{"maxAccuracyDrop": "a lot"}');
    assert.equal(await run(['--policy', file]), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('attribution explains two misclassified and two correct test samples by default', async () => {
  const result = (await validateModel(
    workspace,
    { modelId: parentId, datasetId, split: 'test', suites: ['attribution'] },
    quietContext(),
  )) as unknown as { attribution: AttributionResult };
  const samples = result.attribution.samples;
  assert.ok(samples.length >= 2 && samples.length <= 4);
  assert.ok(samples.every((s) => s.integratedGradients.length === 187 && s.saliency.length === 187));
  assert.ok(
    samples.every((s) => s.completenessError < 0.05),
    JSON.stringify(samples.map((s) => s.completenessError)),
  );
  const wrong = samples.filter((s) => s.label !== s.predicted).length;
  assert.ok(wrong <= 2);
});

test('an operating threshold changes the decisions; bad options are refused and store nothing', async () => {
  const stored = validationsOfModel(workspace.db, parentId).length;
  const strict = (await validateModel(
    workspace,
    { modelId: parentId, datasetId, split: 'test', suites: ['clean'], threshold: 0.99, positiveClass: 'V' },
    quietContext(),
  )) as unknown as Validated;
  const loose = (await validateModel(
    workspace,
    { modelId: parentId, datasetId, split: 'test', suites: ['clean'], threshold: 0.01, positiveClass: 'V' },
    quietContext(),
  )) as unknown as Validated;
  const predictedV = (r: Validated) => r.clean.perClass[2]?.predicted as number;
  assert.ok(predictedV(loose) > predictedV(strict), `${predictedV(loose)} vs ${predictedV(strict)}`);
  assert.equal(strict.clean.decisionRule.kind === 'threshold' && strict.clean.decisionRule.threshold, 0.99);
  assert.equal(validationsOfModel(workspace.db, parentId).length, stored + 2);
  const refused = async (options: Record<string, unknown>, pattern: RegExp) =>
    assert.rejects(
      validateModel(
        workspace,
        { modelId: parentId, datasetId, split: 'test', suites: ['clean'], ...options } as never,
        quietContext(),
      ),
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  await refused({ threshold: 0.5 }, /needs --positive-class/);
  await refused({ suites: ['transfer'] }, /baseline without parent/);
  await refused({ suites: ['corruptions'] }, /corrupts images; dataset .* is ecg-beats/);
  await refused({ suites: ['attribution'], attributionSamples: [0] }, /sample 0 is not in the test split/);
  await refused({ suites: ['pgd'], target: 'X' }, /--target "X" is not one of/);
  assert.equal(
    validationsOfModel(workspace.db, parentId).length,
    stored + 2,
    'nothing stored for refused runs',
  );
  assert.throws(() => parseSuites('clean,bogus'), /unknown suite "bogus"/);
});

test('every stored result of these runs parses with the schema of its suite; an unreadable part is left out, not fatal', async () => {
  // The suites the tests above did not run on ECG data: the FGSM sweep and the noise stress test.
  await validateModel(
    workspace,
    {
      modelId: childId,
      datasetId,
      split: 'test',
      suites: ['fgsm', 'noise'],
      epsilons: [0.05],
      snrs: [12],
      noises: ['bw'],
    },
    quietContext(),
  );
  const stored = [parentId, childId].flatMap((id) => validationsOfModel(workspace.db, id));
  const seen = new Set<string>();
  for (const validation of stored) {
    validationFramingSchema.parse(validation.result);
    for (const suite of validation.suites) {
      const schema = suiteResultSchema(suite);
      assert.ok(schema !== undefined, `suite ${suite} of ${validation.id} has no schema`);
      const parsed = schema.safeParse(validation.result[suite]);
      assert.ok(parsed.success, `${validation.id} ${suite}: ${parsed.success ? '' : parsed.error.message}`);
      // Every field the suite stored is one its schema names (parsing would otherwise drop it on the way to the UI).
      assert.deepEqual(
        parsed.data,
        validation.result[suite],
        `${validation.id} ${suite} has fields its schema lacks`,
      );
      seen.add(suite);
    }
  }
  const expected = ['clean', 'calibration', 'fgsm', 'noise', 'pgd', 'sparse', 'square', 'transfer'];
  expected.push('disagreement', 'membership', 'mutation-detection', 'attribution');
  assert.deepEqual([...seen].sort(), expected.sort(), 'the runs of this file cover every ECG suite');
  // A reader (contract, report, UI) gets the other parts when one was stored in a shape it cannot read.
  const withParent = stored.find((v) => v.suites.includes('transfer'));
  assert.ok(withParent !== undefined);
  const read = validationResultSchema.parse({ ...withParent.result, calibration: { bins: 'fifteen' } });
  assert.equal(read.calibration, undefined);
  assert.deepEqual(read.transfer, withParent.result['transfer']);
  assert.equal(read.clean?.accuracy, (withParent.result['clean'] as { accuracy: number }).accuracy);
});
