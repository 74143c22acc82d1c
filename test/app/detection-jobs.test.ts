import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { DetectionReviewView, EngineEvent, JobView, Result } from '../../src-main/contract/index.js';
import { Dispatcher } from '../../src-main/server/dispatch/dispatcher.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listAuditEvents } from '../../src-main/core/audit/log.js';
import { validationsOfModel } from '../../src-main/core/store/validations.js';
import { frameTruths, loadDetectionDataset } from '../../src-main/core/detect/detection-dataset.js';
import { tempHome } from '../helpers/temp-home.js';
import { gatherReportData } from '../../src-main/core/report/report-data.js';
import { renderModelReport } from '../../src-main/core/report/model-report.js';
import { renderModelReportPdf } from '../../src-main/core/report/pdf-report.js';
import { pdfPagesText } from '../audit/pdf-text.js';

function value<T>(result: Result<unknown>): T {
  assert.equal(result.ok, true, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return (result as { ok: true; value: T }).value;
}

/** Starts a job through the engine's front door and waits for it to succeed. */
async function run<T>(engine: Dispatcher, spec: Record<string, unknown>): Promise<T> {
  const job = value<{ job: JobView }>(await engine.dispatch('jobs.start', spec)).job;
  await engine.queue.idle();
  const done = engine.queue.list().find((j) => j.id === job.id);
  assert.equal(done?.state, 'succeeded', `${String(spec['kind'])}: ${done?.error?.message}`);
  return done.result as T;
}

interface StoredOutcome {
  frame: number;
  misses: unknown[];
  falseAlarms: unknown[];
}

test(
  'detection through the engine: generated scenes imported as frames with boxes, train, evaluate, review, curve, compress, robustness, attack',
  { timeout: 120_000 },
  async () => {
    const home = tempHome('engine-detection');
    const workspace = Workspace.open(home.dir);
    const events: EngineEvent[] = [];
    const engine = new Dispatcher(workspace, (e) => events.push(e));
    try {
      const generated = await run<{ importAs: { paths: string[] } }>(engine, {
        kind: 'generate-images',
        generator: 'insulators',
        folder: 'scenes',
        flights: 4,
        perFlight: 3,
        seed: 2,
      });
      // A detector input that is not a multiple of 16 is refused by the contract, before any job runs.
      const refused = await engine.dispatch('jobs.start', {
        kind: 'detect-train',
        datasetId: 'ds-x',
        epochs: 1,
        seed: 1,
        input: 40,
      });
      assert.equal(refused.ok ? null : refused.error.code, 'BAD_INPUT');

      const imported = await run<{ datasetId: string; frames: number; classes: string[] }>(engine, {
        kind: 'import-detection',
        name: 'scenes',
        paths: generated.importAs.paths,
        testFraction: 0.25,
      });
      assert.equal(imported.frames, 12);
      assert.deepEqual(imported.classes, ['defect', 'insulator']);
      const datasetId = imported.datasetId;
      assert.ok(events.some((e) => e.type === 'store.changed' && e.what === 'datasets'));

      const trained = await run<{ modelId: string; lossHistory: number[] }>(engine, {
        kind: 'detect-train',
        datasetId,
        epochs: 2,
        seed: 1,
        input: 64,
        stepsPerEpoch: 1,
        batchSize: 4,
      });
      const modelId = trained.modelId;
      // The live loss curve: one epoch event per checkpoint, with the loss the training reported.
      const epochs = events.filter((e) => e.type === 'job.epoch');
      assert.deepEqual(
        epochs.map((e) => (e.type === 'job.epoch' ? [e.epoch, e.loss] : null)),
        trained.lossHistory.map((loss, k) => [k + 1, loss]),
      );

      const evaluated = await run<{
        validationId: string;
        operatingScore: number;
        frames: StoredOutcome[];
        evaluation: { frames: number };
      }>(engine, { kind: 'detect-evaluate', modelId, datasetId });
      assert.ok(events.some((e) => e.type === 'store.changed' && e.what === 'validations'));

      // The reviewer at the evaluation's own operating score finds the same misses and false alarms per frame.
      const review = async (filter: string, position: number, minScore = evaluated.operatingScore) =>
        value<DetectionReviewView>(
          await engine.dispatch('detection.review', { modelId, filter, position, minScore }),
        );
      const all = await review('all', 0);
      assert.equal(all.validationId, evaluated.validationId);
      assert.equal(all.frames, evaluated.evaluation.frames);
      assert.equal(all.matching, all.frames);
      const withMisses = evaluated.frames.filter((f) => f.misses.length > 0);
      const withAlarms = evaluated.frames.filter((f) => f.falseAlarms.length > 0);
      assert.equal((await review('misses', 0)).matching, withMisses.length);
      assert.equal((await review('false-alarms', 0)).matching, withAlarms.length);
      assert.equal(all.totals.hits + all.totals.misses, all.totals.objects);
      const dataset = loadDetectionDataset(workspace, datasetId);
      for (let position = 0; position < all.frames; position++) {
        const page = await review('all', position);
        const frame = page.frame;
        assert.ok(frame !== null);
        const stored = evaluated.frames[position] as StoredOutcome;
        assert.equal(frame.index, stored.frame);
        assert.equal(frame.misses, stored.misses.length);
        assert.equal(frame.falseAlarms, stored.falseAlarms.length);
        assert.equal(frame.detections.filter((d) => d.falseAlarm).length, frame.falseAlarms);
        assert.ok(frame.detections.every((d) => d.score >= evaluated.operatingScore));
        assert.equal(frame.truths.length, frameTruths(dataset, frame.index).length);
        const png = Buffer.from(frame.png.replace(/^data:image\/png;base64,/, ''), 'base64');
        const meta = await sharp(png).metadata();
        assert.deepEqual([meta.format, meta.width, meta.height], ['png', frame.width, frame.height]);
      }
      // Past the end: the last frame; a lower threshold keeps at least as many detections.
      assert.equal((await review('all', 999)).position, all.frames - 1);
      const low = await review('all', 0, 0.02);
      assert.ok((low.frame?.detections.length ?? 0) >= (all.frame?.detections.length ?? 0));
      const none = await engine.dispatch('detection.review', {
        modelId: 'm-missing',
        filter: 'all',
        position: 0,
        minScore: 0.3,
      });
      assert.equal(none.ok, false);

      const curve = await run<{ points: { frames: number; map50: number | null }[] }>(engine, {
        kind: 'detect-curve',
        datasetId,
        frames: [2, 4],
        steps: 1,
        input: 32,
      });
      assert.deepEqual(
        curve.points.map((p) => p.frames),
        [2, 4],
      );

      const compressed = await run<{
        modelId: string;
        parentId: string;
        parent: { map50: number | null };
        child: { map50: number | null };
      }>(engine, { kind: 'detect-compress', modelId, recipe: 'prune:0.5,quant:int8', fineTuneSteps: 1 });
      assert.equal(compressed.parentId, modelId);
      const childValidation = validationsOfModel(workspace.db, compressed.modelId)[0];
      assert.equal(
        (childValidation?.result['parent'] as { map50: number | null }).map50,
        compressed.parent.map50,
      );

      const robust = await run<{ rows: { corruption: string; severity: number }[] }>(engine, {
        kind: 'detect-robustness',
        modelId,
        corruptions: ['fog'],
        severities: [1, 5],
      });
      assert.deepEqual(
        robust.rows.map((r) => [r.corruption, r.severity]),
        [
          ['fog', 1],
          ['fog', 5],
        ],
      );
      const attacked = await run<{ rows: { epsilon: number }[] }>(engine, {
        kind: 'detect-attack',
        modelId,
        epsilons: [2 / 255],
        steps: 1,
      });
      assert.deepEqual(
        attacked.rows.map((r) => r.epsilon),
        [2 / 255],
      );
      const suites = validationsOfModel(workspace.db, modelId).map((v) => v.suites.join(','));
      assert.deepEqual(suites, ['object-detection', 'object-detection-corruptions', 'object-detection-pgd']);
      const actions = listAuditEvents(workspace.db).map((e) => e.action);
      for (const action of ['dataset.import', 'model.train', 'model.validate', 'model.compress'])
        assert.ok(actions.includes(action), action);
      // The model's report shows each of the three, not only the latest, with AP in place of accuracy and the
      // frames whose objects were missed or falsely raised.
      const html = renderModelReport(gatherReportData(workspace, modelId));
      for (const heading of [
        'Object detection: average precision',
        'Object detection under corruptions',
        'Object detection under attack (PGD)',
      ])
        assert.ok(html.includes(heading), heading);
      const stored = validationsOfModel(workspace.db, modelId)[0]?.result as {
        frames: { misses: unknown[]; falseAlarms: unknown[] }[];
      };
      const misses = stored.frames.reduce((n, f) => n + f.misses.length, 0);
      const alarms = stored.frames.reduce((n, f) => n + f.falseAlarms.length, 0);
      assert.match(
        html,
        new RegExp(`${misses} objects missed and ${alarms} false alarms over ${stored.frames.length} frames`),
      );
      const pdfText = (await pdfPagesText(await renderModelReportPdf(gatherReportData(workspace, modelId))))
        .text;
      for (const note of [
        'Object detection: mAP@0.5',
        'Object detection under corruptions',
        'Object detection under PGD',
      ])
        assert.ok(pdfText.includes(note), `${note} in the PDF`);
    } finally {
      await engine.queue.idle();
      workspace.close();
      home.cleanup();
    }
  },
);
