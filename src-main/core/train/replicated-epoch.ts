import { tf, tfl } from '../engine/tf.js';
import type { ReplicaPool } from './replica-pool.js';
import type { BatchPart, ConsistencyTerm, StabilityTerm } from './replica-protocol.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';
import { quantizeGradient8, quantizeWeights8 } from './low-bit.js';
import type { AdamInJs } from './adam-in-js.js';
import { setOptimizerLearningRate } from './lr-policy.js';
import { batchGradients, trainableVariables } from './weighted-loss.js';

export interface ReplicatedEpochOptions {
  model: tfl.LayersModel;
  /** Replicas beside the main thread; undefined trains in the main thread alone (with the same objective). */
  pool: ReplicaPool | undefined;
  /** Stability training term, and the seed its noise is drawn from (per batch and share). */
  stability?: StabilityTerm;
  seed?: number;
  epoch?: number;
  /** This epoch's samples, already in training order. */
  x: Float32Array;
  labels: Int32Array;
  /** 1 where the sample's label counts (the others only feed the consistency term), same order. */
  labeledMask?: Uint8Array;
  /** Soft targets in the same order (samples x classes), when training on class probabilities. */
  targets?: Float32Array;
  sampleShape: number[];
  classes: number;
  batchSize: number;
  classWeight?: Record<number, number>;
  callbacks: (tfl.CustomCallbackArgs | tfl.Callback)[];
  /** The model's Adam, computed in JS (see adam-in-js.ts); else the model's optimizer applies the gradients. */
  adam?: AdamInJs;
  /** Semi-supervised training: the consistency term of a batch (computed here, on the main thread, for the
   * whole batch before it is split), and what follows each optimizer step (the mean teacher's average). */
  semi?: {
    consistencyOf(x: Float32Array, count: number, batch: number): ConsistencyTerm;
    afterStep(): void;
  };
  /** Fully quantized training: 8-bit gradients and weights (see low-bit.ts), seeded. */
  lowBit?: { random: () => number };
  /** Replaces samples of a batch (its slices of x and labels) in place before it is trained on. */
  perturbBatch?(x: Float32Array, labels: Int32Array, batch: number): void;
  /** The learning rate of each batch of this epoch (policies), set before the optimizer steps. */
  rateOf?(batch: number): number;
  /** Called after each batch with its index and loss; returning true stops the epoch there. */
  afterBatch(batch: number, loss: number): boolean;
}

/** Splits `count` samples into `parts` shares that differ by at most one, the first ones larger. */
function shares(count: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(count / parts) + (k < count % parts ? 1 : 0));
}

/**
 * One epoch of data-parallel training: each batch is split between the main thread and the replicas, each
 * computes the gradient of its share (scaled by 1 / batch size, so the shares add up to the batch's mean
 * gradient), and the main thread applies the summed gradient with the model's optimizer. The replicas receive
 * the weights with every step, so callbacks that edit the weights (pruning masks) hold for all of them.
 * Returns the epoch's mean loss.
 */
export async function fitReplicatedEpoch(o: ReplicatedEpochOptions): Promise<number> {
  const { model, pool, x, labels, sampleShape, classes, batchSize } = o;
  const optimizer = model.optimizer;
  const variables = trainableVariables(model);
  const weightIndex = new Map(model.weights.map((w, k) => [w.read() as tf.Variable, k]));
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = labels.length;
  const sampleWeights = Float32Array.from(
    labels,
    (l, i) => (o.classWeight?.[l] ?? 1) * (o.labeledMask === undefined ? 1 : (o.labeledMask[i] ?? 1)),
  );
  let lossSum = 0;
  let seen = 0;
  for (let batch = 0, from = 0; from < n; batch++, from += batchSize) {
    const count = Math.min(batchSize, n - from);
    o.perturbBatch?.(
      x.subarray(from * size, (from + count) * size),
      labels.subarray(from, from + count),
      batch,
    );
    const parts: BatchPart[] = [];
    let at = from;
    const consistency = o.semi?.consistencyOf(x.subarray(from * size, (from + count) * size), count, batch);
    for (const [k, share] of shares(count, (pool?.size ?? 0) + 1).entries()) {
      parts.push({
        x: x.subarray(at * size, (at + share) * size),
        labels: labels.subarray(at, at + share),
        sampleWeights: sampleWeights.subarray(at, at + share),
        noiseSeed: deriveSeed(o.seed ?? 0, 'stability', o.epoch ?? 0, batch, k),
        ...(o.targets !== undefined
          ? { targets: o.targets.subarray(at * classes, (at + share) * classes) }
          : {}),
        ...(consistency !== undefined
          ? {
              consistency: {
                ...consistency,
                inputs: consistency.inputs.subarray((at - from) * size, (at - from + share) * size),
                targets: consistency.targets.subarray((at - from) * classes, (at - from + share) * classes),
              },
            }
          : {}),
      });
      at += share;
    }
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const scale = 1 / count;
    const pending = parts
      .slice(1)
      .map((part, k) =>
        part.labels.length > 0 && pool !== undefined
          ? pool.step(k, weights, part, scale, o.stability)
          : undefined,
      );
    const mine = batchGradients(
      model,
      variables,
      parts[0] as BatchPart,
      sampleShape,
      classes,
      scale,
      o.stability,
    );
    let loss = mine.loss;
    for (const reply of await Promise.all(pending)) {
      if (reply === undefined) continue;
      loss += reply.loss;
      reply.gradients.forEach((g, k) => {
        const total = mine.gradients[k] as Float32Array;
        for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + (g[i] as number);
      });
    }
    const rate = o.rateOf?.(batch);
    if (rate !== undefined) {
      if (o.adam !== undefined) o.adam.learningRate = rate;
      else setOptimizerLearningRate(optimizer, rate);
    }
    if (o.lowBit !== undefined) {
      if (o.adam === undefined) throw badInput('8-bit training needs the Adam optimizer');
      for (const g of mine.gradients) quantizeGradient8(g, o.lowBit.random);
    }
    if (o.adam !== undefined) {
      // Trainable weights as arrays (copies: the ones sent to the replicas must not change under them).
      const values = variables.map((v) => (weights[weightIndex.get(v) as number] as Float32Array).slice());
      o.adam.step(values, mine.gradients);
      if (o.lowBit !== undefined)
        values.forEach((v, k) =>
          quantizeWeights8(v, variables[k]?.shape ?? [], (o.lowBit as { random: () => number }).random),
        );
      variables.forEach((v, k) => {
        const value = tf.tensor(values[k] as Float32Array, v.shape);
        v.assign(value); // the variable takes a reference to the data; the tensor itself is ours to free
        value.dispose();
      });
    } else {
      tf.tidy(() => {
        optimizer.applyGradients(
          Object.fromEntries(
            variables.map((v, k) => [v.name, tf.tensor(mine.gradients[k] as Float32Array, v.shape)]),
          ),
        );
      });
    }
    o.semi?.afterStep();
    lossSum += loss * count;
    seen += count;
    for (const callback of o.callbacks) await callback.onBatchEnd?.(batch, { loss });
    if (o.afterBatch(batch, loss)) break;
  }
  return lossSum / Math.max(1, seen);
}
