import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressModel } from '../../src-main/core/pipelines/compress/compress-model.js';
import { quietContext, type TrainingPoint } from '../../src-main/core/jobs/job-context.js';
import { formatLoss } from '../../src-main/core/util/loss-format.js';
import { trainedWorkspace } from './pipeline-fixture.js';

/*
 * Compression's fine-tuning reports a live point after every batch, as training does: the epoch's mean batch
 * loss so far at its fraction of the epoch, the same figure as its progress line. The batch losses recovered
 * from the running means must be real losses, and the last one the loss the fine-tuning itself reports.
 */
test('compression fine-tuning draws its loss batch by batch: the running epoch mean, as the progress line says', async () => {
  const fixture = await trainedWorkspace(120);
  try {
    const points: TrainingPoint[] = [];
    const lines: string[] = [];
    const result = await compressModel(
      fixture.workspace,
      { modelId: fixture.modelId, recipe: 'prune:0.5', fineTuneEpochs: 2, latencyRuns: 2 },
      {
        ...quietContext(),
        progress: (_fraction, message) => {
          if (message.startsWith('fine-tuning')) lines.push(message);
        },
        trainingPoint: (point) => points.push(point),
      },
    );
    const report = result.fineTune;
    assert.ok(report !== undefined && report.steps >= 4, 'two epochs of several batches');
    assert.equal(points.length, report.steps, 'one point per batch');
    assert.equal(lines.length, points.length, 'one progress line per batch');
    for (const epoch of [1, 2]) {
      const own = points.filter((p) => p.epoch === epoch);
      assert.equal(own.length, report.steps / 2);
      for (let k = 0; k < own.length; k++) {
        const point = own[k] as TrainingPoint;
        assert.ok(Math.abs(point.fraction - (k + 1) / own.length) < 1e-12, 'at its share of the epoch');
        // The k-th batch's own loss, from the running means: a cross-entropy, so positive and finite.
        const batchLoss = (k + 1) * point.loss - k * (own[k - 1]?.loss ?? 0);
        assert.ok(
          Number.isFinite(batchLoss) && batchLoss > 0,
          `batch ${k + 1} of epoch ${epoch}: ${batchLoss}`,
        );
        if (epoch === 2 && k === own.length - 1)
          assert.ok(Math.abs(batchLoss - report.lastLoss) < 1e-4 * Math.max(1, report.lastLoss));
      }
    }
    for (const [i, line] of lines.entries()) {
      const point = points[i] as TrainingPoint;
      assert.match(line, new RegExp(`^fine-tuning: epoch ${point.epoch}/2 loss ${formatLoss(point.loss)} `));
    }
  } finally {
    fixture.cleanup();
  }
});
