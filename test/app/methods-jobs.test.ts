import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { getModel } from '../../src-main/core/store/models.js';
import { listComparisons } from '../../src-main/core/store/method-comparisons.js';
import { listMeasurements } from '../../src-main/core/store/model-measurements.js';
import { MEMBERSHIP_DEFENSE_RECIPE } from '../../src-main/core/pipelines/train/membership-defense.js';
import type {
  ActionResponse,
  AugmentationResult,
  EngineEvent,
  JobSpec,
  JobView,
  LowBitResult,
  LrRangeTestView,
  MembershipDefenseResult,
  SemiResult,
} from '../../src-main/contract/index.js';
import { tempHome } from '../helpers/temp-home.js';
import { storeMammogramDataset } from '../augment/patches.js';
import { gatherReportData } from '../../src-main/core/report/report-data.js';
import { renderModelReport } from '../../src-main/core/report/model-report.js';
import { METHODS_SECTION_TITLE } from '../../src-main/core/report/methods-section.js';

/** The training-methods section of a model's HTML report, as text (undefined when the report has none). */
function methodsSection(workspace: Workspace, modelId: string): string | undefined {
  const html = renderModelReport(gatherReportData(workspace, modelId));
  const start = html.indexOf(`<h2>${METHODS_SECTION_TITLE}</h2>`);
  return start < 0
    ? undefined
    : html
        .slice(start, html.indexOf('</section>', start))
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .replaceAll('&quot;', '"');
}

function lastState(events: EngineEvent[], id: string): JobView | undefined {
  return events
    .filter((e): e is Extract<EngineEvent, { type: 'job' }> => e.type === 'job' && e.job.id === id)
    .at(-1)?.job;
}

/** Starts a job through the contract, waits for the queue, and returns the job's last state. */
async function runJob(engine: Dispatcher, events: EngineEvent[], spec: JobSpec): Promise<JobView> {
  const started = await engine.dispatch('jobs.start', spec);
  assert.ok(started.ok, JSON.stringify(started));
  const id = (started.value as { job: JobView }).job.id;
  await engine.queue.idle();
  const last = lastState(events, id);
  assert.ok(last !== undefined, `events of job ${id}`);
  return last;
}

function succeeded(job: JobView): Record<string, unknown> {
  assert.equal(job.state, 'succeeded', `${job.title}: ${job.error?.message ?? ''}`);
  return job.result as Record<string, unknown>;
}

test('every method job runs for real through the engine, stores its comparison and audits it', async () => {
  await initEngine('wasm');
  const home = tempHome('methods-jobs');
  const workspace = Workspace.open(home.dir);
  const events: EngineEvent[] = [];
  const engine = new Dispatcher(workspace, (e) => events.push(e));
  try {
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 5, seconds: 30, seed: 3, split: parseSplitSpec('records:1:0.4') },
      quietContext(),
    );
    const datasetId = data.datasetId;
    const base = { datasetId, epochs: 1, seed: 1 };

    // Training with a method from the UI: the settings reach the core and the model records them.
    const cosine = succeeded(
      await runJob(engine, events, {
        kind: 'train',
        ...base,
        arch: 'ecg-resnet',
        lrPolicy: 'cosine',
        stability: '0.5',
      }),
    );
    const cosineModel = getModel(workspace.db, cosine['modelId'] as string);
    assert.equal(cosineModel.config['lrPolicy'], 'cosine');
    assert.equal(cosineModel.config['stability'], '0.5');
    const plain = succeeded(await runJob(engine, events, { kind: 'train', ...base, arch: 'ecg-resnet' }));
    const wta = succeeded(await runJob(engine, events, { kind: 'train', ...base, arch: 'ecg-resnet-wta' }));
    const plainId = plain['modelId'] as string;
    const wtaId = wta['modelId'] as string;

    const found = succeeded(
      await runJob(engine, events, {
        kind: 'lr-find',
        datasetId,
        arch: 'ecg-resnet',
        seed: 1,
        steps: 20,
        batchSize: 32,
      }),
    ) as unknown as LrRangeTestView;
    assert.ok(found.points.length >= 10 && found.points.length <= 20);
    assert.ok(found.points.every((p, k) => k === 0 || p.rate > (found.points[k - 1]?.rate ?? 0)));
    assert.ok(found.suggestedRate > 1e-6 && found.suggestedRate < 1, `suggested ${found.suggestedRate}`);

    succeeded(
      await runJob(engine, events, {
        kind: 'lr-compare',
        datasetId,
        arch: 'ecg-resnet',
        policies: ['constant', 'cosine'],
        epochs: 1,
        seeds: [1],
      }),
    );
    const semi = succeeded(
      await runJob(engine, events, {
        kind: 'semi-compare',
        ...base,
        arch: 'ecg-resnet',
        method: 'mean-teacher',
        fractions: [0.5],
      }),
    ) as unknown as SemiResult;
    assert.equal(semi.rows.length, 1);
    const lowBit = succeeded(
      await runJob(engine, events, { kind: 'lowbit-compare', ...base }),
    ) as unknown as LowBitResult;
    assert.deepEqual(
      lowBit.rows.map((r) => r.method),
      ['float', 'qat', 'fully-quantized'],
    );
    succeeded(
      await runJob(engine, events, {
        kind: 'sparsity-compare',
        modelIds: [plainId, wtaId],
        datasetId,
        split: 'test',
        samples: 32,
      }),
    );
    succeeded(
      await runJob(engine, events, {
        kind: 'explain-compare',
        modelIds: [plainId, cosineModel.id],
        datasetId,
        split: 'test',
        samples: 8,
        steps: 8,
      }),
    );
    const membership = succeeded(
      await runJob(engine, events, {
        kind: 'membership-compare',
        modelId: plainId,
        epochs: 1,
        membershipSamples: 20,
        shadowModels: 0,
      }),
    ) as unknown as MembershipDefenseResult;
    assert.equal(membership.before.modelId, plainId);
    const defended = getModel(workspace.db, membership.after.modelId);
    assert.equal(defended.parentId, plainId);
    assert.equal(defended.recipe, MEMBERSHIP_DEFENSE_RECIPE);
    for (const side of [membership.before, membership.after])
      assert.ok(side.lossThreshold.advantage >= 0 && side.lossThreshold.advantage <= 1);

    // The store holds one comparison per comparison job, each linked to the models it trained or measured.
    const listed = await engine.dispatch('comparisons.list', { datasetId });
    assert.ok(listed.ok);
    const { comparisons, trainingMethods } = listed.value as ActionResponse<'comparisons.list'>;
    assert.deepEqual(comparisons.map((c) => c.kind).sort(), [
      'activation-sparsity',
      'attribution',
      'low-bit',
      'lr-policies',
      'membership-defense',
      'semi-supervised',
    ]);
    const byKind = (kind: string) => comparisons.find((c) => c.kind === kind);
    assert.deepEqual(
      byKind('lr-policies')?.models.map((m) => m.role),
      ['constant', 'cosine'],
    );
    assert.deepEqual(
      byKind('activation-sparsity')?.models.map((m) => m.modelId),
      [plainId, wtaId],
    );
    const sparsity = byKind('activation-sparsity')?.result['models'] as {
      modelId: string;
      overallZeroFraction: number;
      latencyMs: number | null;
    }[];
    assert.ok(
      sparsity.every((m) => typeof m.latencyMs === 'number' && m.latencyMs > 0),
      'latency measured first',
    );
    assert.equal(listMeasurements(workspace.db, wtaId).length, 1);
    const zeros = new Map(sparsity.map((m) => [m.modelId, m.overallZeroFraction]));
    assert.ok(
      (zeros.get(wtaId) ?? 0) > (zeros.get(plainId) ?? 1),
      'winners-take-all zeroes more activations than the plain network',
    );
    assert.deepEqual(
      byKind('membership-defense')?.models.map((m) => m.role),
      ['before the defence', 'after the defence'],
    );
    const methodsOf = (id: string) => trainingMethodsOfView(trainingMethods, id);
    assert.deepEqual(methodsOf(cosineModel.id), [
      'Learning-rate policy: cosine',
      'Stability term (ALPHA:SIGMA): 0.5',
    ]);
    assert.deepEqual(methodsOf(wtaId), ['Architecture variant: winners-take-all (ecg-resnet-wta)']);
    assert.deepEqual(methodsOf(plainId), [], 'plain training is the baseline: no method listed');

    const actions = (
      workspace.db.prepare('SELECT action, payload_json FROM audit_events ORDER BY seq').all() as {
        action: string;
        payload_json: string;
      }[]
    ).filter((e) => e.payload_json.includes('"comparisonId"'));
    assert.deepEqual(actions.map((e) => e.action).sort(), [
      'model.activation_sparsity',
      'model.explanations',
      'model.membership_defense_compare',
      'train.low_bit_compare',
      'train.lr_compare',
      'train.semi_compare',
    ]);
    for (const c of comparisons)
      assert.ok(
        actions.some((e) => e.payload_json.includes(`"comparisonId":"${c.id}"`)),
        `the audit event of ${c.kind} names comparison ${c.id}`,
      );
    assert.ok(
      events.some((e) => e.type === 'store.changed' && e.what === 'models'),
      'the lists refresh after a method job',
    );
    // The plain model's report sets out every comparison of its dataset, each as its own table.
    const section = methodsSection(workspace, plainId) ?? '';
    for (const title of [
      'Learning-rate policies: comparison',
      'Semi-supervised training (mean-teacher): comparison',
      'Low-bit training: comparison',
      'Activation sparsity and latency (test split): comparison',
      'Attribution sparseness and stability (Integrated Gradients): comparison',
      'Membership-inference defence: comparison',
    ])
      assert.ok(section.includes(title), `${title} in the report`);
    assert.match(section, /trained plainly: it is the baseline/);
    assert.match(section, new RegExp(`Taking part: ${plainId} as "before the defence"`));
  } finally {
    workspace.close();
    home.cleanup();
  }
});

function trainingMethodsOfView(list: ActionResponse<'comparisons.list'>['trainingMethods'], modelId: string) {
  return (list.find((m) => m.modelId === modelId)?.methods ?? []).map((m) => `${m.label}: ${m.value}`);
}

test('a bad method setting fails the job with a message naming the option, and a cancelled comparison stores nothing', async () => {
  await initEngine('wasm');
  const home = tempHome('methods-bad');
  const workspace = Workspace.open(home.dir);
  const events: EngineEvent[] = [];
  const engine = new Dispatcher(workspace, (e) => events.push(e));
  try {
    const data = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 4, seconds: 30, seed: 5, split: parseSplitSpec('records:1:0.25') },
      quietContext(),
    );
    const bad = await runJob(engine, events, {
      kind: 'lr-compare',
      datasetId: data.datasetId,
      arch: 'ecg-resnet',
      policies: ['constant', 'sawtooth'],
      epochs: 1,
      seeds: [1],
    });
    assert.equal(bad.state, 'failed');
    assert.equal(bad.error?.code, 'BAD_INPUT');
    assert.match(bad.error?.message ?? '', /--lr-policy "sawtooth"/);
    const badTrain = await runJob(engine, events, {
      kind: 'train',
      datasetId: data.datasetId,
      arch: 'ecg-resnet',
      epochs: 1,
      seed: 1,
      semi: 'pseudo-label',
    });
    assert.equal(badTrain.state, 'failed');
    assert.match(badTrain.error?.message ?? '', /--semi "pseudo-label": unknown method/);

    const started = await engine.dispatch('jobs.start', {
      kind: 'semi-compare',
      datasetId: data.datasetId,
      arch: 'ecg-resnet',
      method: 'vat',
      fractions: [0.1, 0.25, 0.5],
      epochs: 50,
      seed: 1,
    });
    assert.ok(started.ok);
    const id = (started.value as { job: JobView }).job.id;
    // Cancelled once it runs: the first training stops at its next batch.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (events.some((e) => e.type === 'job' && e.job.id === id && e.job.fraction > 0)) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    assert.deepEqual(await engine.dispatch('jobs.cancel', { jobId: id }), {
      ok: true,
      value: { cancelled: true },
    });
    await engine.queue.idle();
    assert.equal(lastState(events, id)?.state, 'cancelled');
    assert.deepEqual(listComparisons(workspace.db), [], 'no comparison stored by a failed or cancelled job');
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('augmentation through the engine: a train job with classical augmentation, and the comparison with synthetic images', async () => {
  await initEngine('wasm');
  const home = tempHome('methods-augment');
  const workspace = Workspace.open(home.dir);
  const events: EngineEvent[] = [];
  const engine = new Dispatcher(workspace, (e) => events.push(e));
  try {
    const datasetId = storeMammogramDataset(workspace);
    const trained = succeeded(
      await runJob(engine, events, {
        kind: 'train',
        datasetId,
        arch: 'small-cnn',
        epochs: 1,
        seed: 1,
        augment: 'classic',
      }),
    );
    assert.equal(getModel(workspace.db, trained['modelId'] as string).config['augment'], 'classic');
    const compared = succeeded(
      await runJob(engine, events, {
        kind: 'augment-compare',
        datasetId,
        epochs: 1,
        generatorEpochs: 1,
        configurations: ['none', 'synthetic'],
      }),
    ) as unknown as AugmentationResult & { comparisonId: string };
    assert.deepEqual(
      compared.rows.map((r) => r.configuration),
      ['none', 'synthetic'],
    );
    assert.ok((compared.rows[1]?.runs[0]?.syntheticSamples ?? 0) > 0, 'synthetic images were added');
    assert.equal(compared.generators.length, 1);
    const listed = await engine.dispatch('comparisons.list', { datasetId });
    assert.ok(listed.ok);
    const { comparisons, trainingMethods } = listed.value as ActionResponse<'comparisons.list'>;
    assert.deepEqual(
      comparisons.map((c) => [c.kind, c.id]),
      [['augmentation', compared.comparisonId]],
    );
    assert.deepEqual(trainingMethodsOfView(trainingMethods, trained['modelId'] as string), [
      'Augmentation: classic',
    ]);
    const section = methodsSection(workspace, trained['modelId'] as string) ?? '';
    assert.match(section, /Augmentation classic/);
    assert.match(
      section,
      new RegExp(`Augmentation, including synthetic images: comparison ${compared.comparisonId}`),
    );
    assert.match(section, /none \(baseline\)/);
    assert.match(section, /This model takes no part: the comparison ran on its dataset/);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
