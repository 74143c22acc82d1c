import { formatLoss } from '../../../src-main/core/util/loss-format.js';
import type { EpochPoint, LivePoint } from './state/jobs.svelte.js';

/**
 * The loss curve of a training: one point per finished epoch, then the running epoch's mean loss so far at
 * epoch - 1 + fraction (which becomes the epoch's own point when it ends). The labels use the same rounding as
 * the progress line, so the figure read on the chart is the figure read under the bar.
 */
export function lossCurve(points: EpochPoint[], live: LivePoint | undefined) {
  const done = points.filter((p) => p.loss !== null);
  const x = done.map((p) => p.epoch);
  const y = done.map((p) => p.loss as number);
  const text = done.map((p) => `epoch ${p.epoch}: loss ${formatLoss(p.loss as number)}`);
  const lastEpoch = done.at(-1)?.epoch ?? 0;
  const running = live !== undefined && live.epoch > lastEpoch && live.fraction < 1 ? live : undefined;
  if (running !== undefined) {
    x.push(running.epoch - 1 + running.fraction);
    y.push(running.loss);
    text.push(
      `epoch ${running.epoch}, ${Math.round(running.fraction * 100)} % done: loss so far ${formatLoss(running.loss)}`,
    );
  }
  return { x, y, text, latest: text.at(-1) ?? null };
}

/**
 * Compression's fine-tuning loss as it runs, one line per epoch: each point is the epoch's mean batch loss so far
 * at epoch - 1 + fraction (the figure of the progress line), so each line ends at that epoch's loss.
 */
export function fineTuneCurve(points: LivePoint[]) {
  const epochs = [...new Set(points.map((p) => p.epoch))].sort((a, b) => a - b);
  const traces = epochs.map((epoch) => {
    const own = points.filter((p) => p.epoch === epoch);
    return {
      epoch,
      x: own.map((p) => epoch - 1 + p.fraction),
      y: own.map((p) => p.loss),
      text: own.map(
        (p) => `epoch ${epoch}, ${Math.round(p.fraction * 100)} % done: loss so far ${formatLoss(p.loss)}`,
      ),
    };
  });
  return { traces, latest: traces.at(-1)?.text.at(-1) ?? null };
}
