import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { fitEpochs } from '../../src-main/core/train/fit-epochs.js';
import { formatLoss } from '../../src-main/core/util/loss-format.js';

/**
 * The loss under the progress bar and the loss on the curve are one value: the epoch's mean loss so far,
 * weighted by the samples of each batch, which at the epoch's last batch is the epoch's loss the curve draws.
 * 130 samples in batches of 32 leave a last batch of 2, where an unweighted mean would differ.
 */
test('the running loss of each batch ends on the epoch loss, in one thread and with replicas', async () => {
  await initEngine('wasm');
  for (const replicas of [0, 1]) {
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [20, 1] }),
        tfl.layers.dense({ units: 8, activation: 'relu', kernelInitializer: 'glorotUniform' }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const optimizer = tf.train.adam(0.05);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const batches: { epoch: number; fraction: number; loss: number; soFar: number }[] = [];
    const epochLosses = new Map<number, number>();
    try {
      await fitEpochs({
        model,
        inputs: Float32Array.from({ length: 130 * 20 }, (_, i) => Math.sin(i / 3) + (i % 20) / 10),
        labels: Int32Array.from({ length: 130 }, (_, i) => i % 3),
        sampleShape: [20, 1],
        classes: 3,
        epochs: 2,
        batchSize: 32,
        seed: 1,
        signal: new AbortController().signal,
        replicas,
        onBatch: (epoch, fraction, loss, soFar) => batches.push({ epoch, fraction, loss, soFar }),
        onEpochEnd: (epoch, loss) => {
          epochLosses.set(epoch, loss);
          return 'continue';
        },
      });
      for (const epoch of [1, 2]) {
        const mine = batches.filter((b) => b.epoch === epoch);
        assert.deepEqual(
          mine.map((b) => b.fraction),
          [1, 2, 3, 4, 5].map((k) => k / 5),
          `five batches (replicas ${replicas})`,
        );
        // The running value is the sample-weighted mean of the batch losses so far.
        const sizes = [32, 32, 32, 32, 2];
        mine.forEach((b, k) => {
          const seen = mine.slice(0, k + 1);
          const weighted =
            seen.reduce((sum, s, j) => sum + s.loss * (sizes[j] as number), 0) /
            sizes.slice(0, k + 1).reduce((a, c) => a + c, 0);
          assert.ok(Math.abs(b.soFar - weighted) < 1e-9, `batch ${k + 1} of epoch ${epoch}`);
        });
        const last = mine.at(-1)?.soFar ?? NaN;
        const epochLoss = epochLosses.get(epoch) ?? NaN;
        assert.ok(
          Math.abs(last - epochLoss) < 1e-5 * Math.max(1, epochLoss),
          `epoch ${epoch} (replicas ${replicas}): running ${last} against the epoch's ${epochLoss}`,
        );
        assert.equal(
          formatLoss(last),
          formatLoss(epochLoss),
          'the same four decimals on the bar and the curve',
        );
        assert.notEqual(mine.at(-1)?.loss, last, 'not the last batch alone (a batch of 2 samples)');
      }
    } finally {
      model.dispose();
      optimizer.dispose();
    }
  }
});
