import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { tfl } from '../engine/tf.js';
import type { BackendName } from '../engine/backend.js';
import type { BatchPart, ReplicaReply, ReplicaRequest, StabilityTerm } from './replica-protocol.js';

/**
 * Replicas of a model in worker threads, for data-parallel training: the wasm backend runs on one core per
 * thread, so a second replica nearly doubles the samples per second on a two-core machine. Each step sends the
 * current weights and a share of the batch to every replica and collects their gradients.
 */
export class ReplicaPool {
  private constructor(private readonly workers: Worker[]) {}

  /** How many replicas to add beside the main thread: ATTEST_TRAIN_WORKERS, else one per extra core (max 3). */
  static defaultSize(backend: BackendName): number {
    const fromEnv = process.env['ATTEST_TRAIN_WORKERS'];
    if (fromEnv !== undefined && fromEnv.trim() !== '') {
      const n = Number(fromEnv);
      return Number.isInteger(n) && n >= 0 && n <= 16 ? n : 0;
    }
    // Native TensorFlow already uses every core; the cpu backend is too slow for replicas to matter.
    return backend === 'wasm' ? Math.min(3, Math.max(0, os.availableParallelism() - 1)) : 0;
  }

  /** Starts `size` replicas of the model; rejects if one cannot build it (e.g. a layer it does not know). */
  static async start(
    size: number,
    backend: BackendName,
    model: tfl.LayersModel,
    sampleShape: number[],
    classes: number,
  ): Promise<ReplicaPool> {
    const topology = model.toJSON(null, false) as object;
    const workers: Worker[] = [];
    try {
      for (let k = 0; k < size; k++) {
        const worker = new Worker(new URL('./replica-worker.js', import.meta.url), {
          workerData: { backend },
        });
        workers.push(worker);
      }
      const pool = new ReplicaPool(workers);
      await Promise.all(
        workers.map((w) => pool.request(w, { type: 'init', topology, sampleShape, classes })),
      );
      return pool;
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends one step to replica k; resolves with its gradients (in trainableWeights order) and loss. */
  step(
    k: number,
    weights: Float32Array[],
    part: BatchPart,
    scale: number,
    stability?: StabilityTerm,
  ): Promise<{ loss: number; gradients: Float32Array[] }> {
    const worker = this.workers[k];
    if (worker === undefined) throw new Error(`no replica ${k}`);
    const message: ReplicaRequest = {
      type: 'step',
      weights,
      scale,
      ...part,
      ...(stability !== undefined ? { stability } : {}),
    };
    return this.request(worker, message).then((reply) => {
      if (reply.type !== 'gradients') throw new Error('replica answered a step without gradients');
      return reply;
    });
  }

  /** Gives every replica these weights (model.weights order), for predict. */
  async load(weights: Float32Array[]): Promise<void> {
    await Promise.all(this.workers.map((w) => this.request(w, { type: 'load', weights })));
  }

  /** Class probabilities of the samples in x from replica k (after load). */
  predict(k: number, x: Float32Array): Promise<Float32Array> {
    const worker = this.workers[k];
    if (worker === undefined) throw new Error(`no replica ${k}`);
    return this.request(worker, { type: 'predict', x }).then((reply) => {
      if (reply.type !== 'probabilities')
        throw new Error('replica answered a prediction without probabilities');
      return reply.values;
    });
  }

  private request(worker: Worker, message: ReplicaRequest): Promise<ReplicaReply> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: ReplicaReply) => {
        cleanup();
        if (reply.type === 'error') reject(new Error(`training replica: ${reply.message}`));
        else resolve(reply);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`training replica exited (code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
