import { tf, tfl } from '../engine/tf.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import { throwIfCancelled } from '../jobs/job-context.js';
import { engineInfo } from '../engine/backend.js';
import { ReplicaPool } from './replica-pool.js';
import { fitReplicatedEpoch } from './replicated-epoch.js';
import type { StabilityTerm } from './replica-protocol.js';
import type { SemiHooks } from './semi-supervised.js';
import { AdamInJs } from './adam-in-js.js';
import { setOptimizerLearningRate } from './lr-policy.js';
import { balancedEpochOrder, type SamplerName } from './balanced-sampler.js';

export type StopReason = 'epochs' | 'early-stopping' | 'time-limit';

export interface FitEpochsOptions {
  model: tfl.LayersModel;
  /** Model inputs, already preprocessed: n * prod(sampleShape). */
  inputs: Float32Array;
  labels: ArrayLike<number>;
  sampleShape: number[];
  classes: number;
  epochs: number;
  /** The first epoch to run (1-based): a resumed run continues where its last checkpoint left off. */
  startEpoch?: number;
  batchSize: number;
  seed: number;
  signal: AbortSignal;
  classWeight?: Record<number, number>;
  /** 'balanced': each epoch draws the classes about equally (balanced-sampler.ts); default a plain shuffle. */
  sampler?: SamplerName;
  callbacks?: (tfl.CustomCallbackArgs | tfl.Callback)[];
  /** Wall-clock time (ms since epoch) after which training stops at the next batch. */
  deadline?: number;
  /** After each batch: its loss, and the epoch's mean loss so far (weighted by samples, as the epoch's loss is). */
  onBatch?(epoch: number, fractionOfEpoch: number, loss: number, epochLossSoFar: number): void;
  /**
   * Replicas in worker threads beside the main thread (data-parallel training, see replicated-epoch.ts); 0 or
   * undefined trains with model.fit alone. Needs a model compiled with categorical cross-entropy whose layers
   * a worker can rebuild from JSON; otherwise training falls back to model.fit and onNotice says why.
   */
  replicas?: number;
  onNotice?(message: string): void;
  /** Fully quantized training: gradients and weights at 8 bits (see low-bit.ts). */
  lowBit?: boolean;
  /** Semi-supervised training (see semi-supervised.ts): the consistency term and the teacher's upkeep. */
  semi?: SemiHooks;
  /** 1 for samples whose label may be used, 0 for unlabelled ones (input order); default all labelled. */
  labeledMask?: Uint8Array;
  /** Class probabilities to train on instead of the labels (distillation), samples x classes, input order. */
  softTargets?: Float32Array;
  /** Stability training (see replica-protocol.ts); trains with our own loop, with or without replicas. */
  stability?: StabilityTerm;
  /** Learning rate of each step (batch, 0-based over the whole run); unset keeps the optimizer's. */
  learningRateAt?(step: number): number;
  /** Called after each epoch; returning 'stop' ends training (early stopping). */
  onEpochEnd?(epoch: number, loss: number): Promise<'continue' | 'stop'> | 'continue' | 'stop';
  /** Replaces the epoch's (shuffled) inputs before training on them, e.g. with adversarial copies. */
  perturbEpoch?(x: Float32Array, y: Int32Array, epoch: number): Float32Array | Promise<Float32Array>;
  /**
   * Replaces samples of each batch in place just before the batch is trained on (adversarial training against
   * the current weights, see batch-hardening.ts); trains with our own loop.
   */
  perturbBatch?(x: Float32Array, y: Int32Array, epoch: number, batch: number): void;
}

/**
 * Epoch loop around `model.fit` with our own seeded shuffling (TF.js shuffles with Math.random, which would make
 * runs irreproducible), cancellation between batches and an optional time limit.
 */
export async function fitEpochs(
  options: FitEpochsOptions,
): Promise<{ epochsRun: number; stoppedBy: StopReason; replicas: number }> {
  const { model, inputs, labels, sampleShape, classes, batchSize, signal } = options;
  const n = labels.length;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const batches = Math.ceil(n / batchSize);
  let stoppedBy: StopReason = 'epochs';
  const startEpoch = options.startEpoch ?? 1;
  let epochsRun = startEpoch - 1;
  const rateAt = options.learningRateAt;
  const lowBitRandom = options.lowBit === true ? createRng(deriveSeed(options.seed, 'low-bit')) : undefined;
  const pool = await startReplicas(options);
  // One Adam state for the whole run, as model.fit keeps the optimizer's.
  // Our own loop when replicas run or the objective is more than model.fit's loss.
  const ownLoop =
    pool !== undefined ||
    options.stability !== undefined ||
    options.softTargets !== undefined ||
    options.semi !== undefined ||
    options.lowBit === true ||
    options.labeledMask !== undefined ||
    options.perturbBatch !== undefined;
  const adam = ownLoop
    ? AdamInJs.from(
        model.optimizer,
        model.trainableWeights.map((w) => tf.util.sizeFromShape(w.read().shape)),
      )
    : undefined;
  try {
    for (let epoch = startEpoch; epoch <= options.epochs; epoch++) {
      throwIfCancelled(signal);
      const epochRandom = createRng(deriveSeed(options.seed, 'epoch', epoch));
      const order =
        options.sampler === 'balanced'
          ? balancedEpochOrder(labels, classes, epochRandom)
          : shuffledIndices(n, epochRandom);
      const x = new Float32Array(n * size);
      const y = new Int32Array(n);
      const soft = options.softTargets !== undefined ? new Float32Array(n * classes) : undefined;
      const mask = options.labeledMask !== undefined ? new Uint8Array(n) : undefined;
      for (let k = 0; k < n; k++) {
        const i = order[k] as number;
        x.set(inputs.subarray(i * size, (i + 1) * size), k * size);
        y[k] = labels[i] as number;
        soft?.set(
          (options.softTargets as Float32Array).subarray(i * classes, (i + 1) * classes),
          k * classes,
        );
        if (mask !== undefined) mask[k] = options.labeledMask?.[i] ?? 1;
      }
      // Hardening (adversarial or on-manifold training) swaps in perturbed copies against the current weights.
      if (options.perturbEpoch !== undefined) x.set(await options.perturbEpoch(x, y, epoch));
      let interruptedBy: 'cancel' | 'time' | undefined;
      let lastLoss = NaN;
      // The epoch's loss so far, weighted by the samples of each batch as the epoch's own loss is.
      let lossSum = 0;
      let seen = 0;
      const batchDone = (batch: number, loss: number): void => {
        const count = Math.min(batchSize, n - batch * batchSize);
        lossSum += loss * count;
        seen += count;
        options.onBatch?.(epoch, (batch + 1) / batches, loss, lossSum / seen);
      };
      const interrupted = (): boolean => {
        if (signal.aborted) interruptedBy = 'cancel';
        else if (options.deadline !== undefined && Date.now() > options.deadline) interruptedBy = 'time';
        return interruptedBy !== undefined;
      };
      if (ownLoop) {
        lastLoss = await fitReplicatedEpoch({
          model,
          pool,
          seed: options.seed,
          epoch,
          ...(options.stability !== undefined ? { stability: options.stability } : {}),
          ...(soft !== undefined ? { targets: soft } : {}),
          ...(mask !== undefined ? { labeledMask: mask } : {}),
          ...(options.semi !== undefined ? { semi: options.semi } : {}),
          ...(lowBitRandom !== undefined ? { lowBit: { random: lowBitRandom } } : {}),
          ...(options.perturbBatch !== undefined
            ? {
                perturbBatch: (bx: Float32Array, by: Int32Array, batch: number) =>
                  options.perturbBatch?.(bx, by, epoch, batch),
              }
            : {}),
          x,
          labels: y,
          sampleShape,
          classes,
          batchSize,
          ...(options.classWeight !== undefined ? { classWeight: options.classWeight } : {}),
          callbacks: options.callbacks ?? [],
          ...(adam !== undefined ? { adam } : {}),
          ...(rateAt !== undefined
            ? { rateOf: (batch: number) => rateAt((epoch - 1) * batches + batch) }
            : {}),
          afterBatch(batch, loss) {
            batchDone(batch, loss);
            return interrupted();
          },
        });
      } else {
        const xs = tf.tensor(x, [n, ...sampleShape]);
        const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), classes));
        try {
          const history = await model.fit(xs, ys, {
            epochs: 1,
            batchSize,
            shuffle: false,
            verbose: 0,
            ...(options.classWeight !== undefined ? { classWeight: options.classWeight } : {}),
            // TF.js takes either callback objects or plain hooks, never a mix: wrap every plain one.
            callbacks: [
              ...(options.callbacks ?? []).map((c) =>
                c instanceof tfl.Callback ? c : new tfl.CustomCallback(c),
              ),
              new tfl.CustomCallback({
                onBatchBegin: (batch: number) => {
                  if (rateAt !== undefined)
                    setOptimizerLearningRate(model.optimizer, rateAt((epoch - 1) * batches + batch));
                },
                onBatchEnd: async (batch: number, logs?: tfl.Logs) => {
                  lastLoss = logs?.['loss'] ?? lastLoss;
                  batchDone(batch, lastLoss);
                  if (interrupted()) model.stopTraining = true;
                },
              }),
            ],
          });
          const losses = history.history['loss'];
          lastLoss = Number(losses?.[losses.length - 1] ?? lastLoss);
        } finally {
          xs.dispose();
          ys.dispose();
        }
      }
      throwIfCancelled(signal);
      epochsRun = epoch;
      const decision = (await options.onEpochEnd?.(epoch, lastLoss)) ?? 'continue';
      if (interruptedBy === 'time' || (options.deadline !== undefined && Date.now() > options.deadline)) {
        stoppedBy = 'time-limit';
        break;
      }
      if (decision === 'stop') {
        stoppedBy = 'early-stopping';
        break;
      }
    }
  } finally {
    await pool?.close();
  }
  return { epochsRun, stoppedBy, replicas: pool?.size ?? 0 };
}

/** Starts the replicas asked for, or says why training goes on in this thread alone. */
async function startReplicas(options: FitEpochsOptions): Promise<ReplicaPool | undefined> {
  const size = options.replicas ?? 0;
  if (size <= 0) return undefined;
  const loss = options.model.loss;
  if (loss !== 'categoricalCrossentropy') {
    options.onNotice?.(`training in one thread: the loss ${String(loss)} is not categorical cross-entropy`);
    return undefined;
  }
  try {
    return await ReplicaPool.start(
      size,
      engineInfo().backend,
      options.model,
      options.sampleShape,
      options.classes,
    );
  } catch (error) {
    options.onNotice?.(
      `training in one thread: the replicas did not start (${error instanceof Error ? error.message : String(error)})`,
    );
    return undefined;
  }
}
