import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import { setOptimizerLearningRate } from '../train/lr-policy.js';
import { throwIfCancelled } from '../jobs/job-context.js';
import { drawAugmentation } from './augmentation.js';
import { centernetLoss, heatmapDistillation } from './detection-loss.js';
import { frameImage, frameTruths, type DetectionDataset } from './detection-dataset.js';
import { placeFrame, visibleTargets } from './frame-placement.js';
import { encodeTargets } from './targets.js';
import type { DecodedImage } from '../data/images/decoded-image.js';
import type { GroundTruthBox } from './boxes.js';

export interface FitDetectorOptions {
  model: tfl.LayersModel;
  dataset: DetectionDataset;
  frames: number[];
  height: number;
  width: number;
  epochs: number;
  /** Optimizer steps per epoch; default one pass over the frames (at least 4 steps). */
  stepsPerEpoch?: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  signal: AbortSignal;
  /** Wall-clock limit (ms since epoch): training stops after the step that passes it. */
  deadline?: number;
  onStep?(epoch: number, fraction: number, loss: number): void;
  /** Knowledge distillation: the student's class heatmaps are also pulled towards this teacher's. */
  teacher?: tfl.LayersModel;
  /** Weight of the distillation term (default 1). */
  distillationWeight?: number;
  /** After each optimizer step (pruning puts its zeros back here). */
  afterStep?(): void;
  /** Called after each epoch; 'stop' ends the training there. */
  onEpochEnd?(epoch: number, loss: number): Promise<void | 'stop'> | void | 'stop';
}

export interface FitDetectorResult {
  steps: number;
  epochsRun: number;
  stoppedBy: 'epochs' | 'time' | 'callback';
  lossHistory: number[];
}

/**
 * Trains a CenterNet detector with Adam on freshly augmented batches (each frame drawn again every epoch with
 * its own scale, tile, flip and colour). The learning rate follows a cosine from the given rate down to 5% of it
 * over the planned steps, after 20 warm-up steps. Frames are decoded once; augmentation is in plain JS.
 */
export async function fitDetector(o: FitDetectorOptions): Promise<FitDetectorResult> {
  const classes = o.dataset.classes.length;
  const images = new Map<number, { image: DecodedImage; truths: GroundTruthBox[] }>();
  for (const f of o.frames)
    images.set(f, { image: frameImage(o.dataset, f), truths: frameTruths(o.dataset, f) });
  const steps = o.stepsPerEpoch ?? Math.max(4, Math.ceil(o.frames.length / o.batchSize));
  const total = steps * o.epochs;
  const variables = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(o.learningRate);
  const rateAt = (step: number) => {
    const warm = Math.min(1, (step + 1) / 20);
    return (
      o.learningRate * warm * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, total))))
    );
  };
  const size = o.height * o.width * 3;
  const lossHistory: number[] = [];
  let step = 0;
  let epochsRun = 0;
  let stoppedBy: FitDetectorResult['stoppedBy'] = 'epochs';
  try {
    outer: for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const random = createRng(deriveSeed(o.seed, 'detector-epoch', epoch));
      // Enough shuffled passes over the frames to fill the epoch's steps.
      const order: number[] = [];
      while (order.length < steps * o.batchSize)
        order.push(...Array.from(shuffledIndices(o.frames.length, random), (k) => o.frames[k] as number));
      let epochLoss = 0;
      for (let s = 0; s < steps; s++) {
        throwIfCancelled(o.signal);
        const batch = order.slice(s * o.batchSize, (s + 1) * o.batchSize);
        const x = new Float32Array(batch.length * size);
        const boxes = batch.map((frame, k) => {
          const { image, truths } = images.get(frame) as { image: DecodedImage; truths: GroundTruthBox[] };
          const { placement, colour } = drawAugmentation(
            random,
            image.width,
            image.height,
            o.width,
            o.height,
          );
          x.set(placeFrame(image, placement, o.height, o.width, colour), k * size);
          return visibleTargets(truths, image.width, image.height, placement, o.height, o.width);
        });
        const t = encodeTargets(boxes, o.height, o.width, classes);
        setOptimizerLearningRate(optimizer, rateAt(step));
        const loss = tf.tidy(() => {
          const xs = tf.tensor4d(x, [batch.length, o.height, o.width, 3]);
          const shape = [batch.length, t.gridHeight, t.gridWidth] as const;
          const targets = {
            heatmap: tf.tensor4d(t.heatmap, [...shape, classes]),
            negativeWeight: tf.tensor4d(t.negativeWeight, [...shape, classes]),
            box: tf.tensor4d(t.box, [...shape, 4]),
            boxMask: tf.tensor4d(t.boxMask, [...shape, 1]),
            objects: t.objects,
          };
          const teacherOutput = o.teacher !== undefined ? (o.teacher.predict(xs) as tf.Tensor) : undefined;
          const { value, grads } = tf.variableGrads(() => {
            const output = o.model.apply(xs, { training: true }) as tf.Tensor;
            const loss = centernetLoss(output, targets, classes);
            if (teacherOutput === undefined) return loss;
            return tf.add(
              loss,
              tf.mul(
                heatmapDistillation(output, teacherOutput, classes, t.objects),
                o.distillationWeight ?? 1,
              ),
            ) as tf.Scalar;
          }, variables);
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
          return value;
        });
        const value = (await loss.data())[0] as number;
        loss.dispose();
        o.afterStep?.();
        epochLoss += value;
        step++;
        o.onStep?.(epoch, (s + 1) / steps, value);
        // Let the event loop breathe (progress output, Ctrl-C) between steps.
        await new Promise((resolve) => setImmediate(resolve));
        if (o.deadline !== undefined && Date.now() > o.deadline) {
          lossHistory.push(epochLoss / (s + 1));
          epochsRun = epoch;
          stoppedBy = 'time';
          await o.onEpochEnd?.(epoch, epochLoss / (s + 1));
          break outer;
        }
      }
      lossHistory.push(epochLoss / steps);
      epochsRun = epoch;
      if ((await o.onEpochEnd?.(epoch, epochLoss / steps)) === 'stop') {
        stoppedBy = 'callback';
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: step, epochsRun, stoppedBy, lossHistory };
}
