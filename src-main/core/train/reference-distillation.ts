import { tf, type tfl } from '../engine/tf.js';
import { fitEpochs } from './fit-epochs.js';

/**
 * Distillation for Membership Privacy (DMP; Shejwalkar & Houmansadr, AAAI 2021), the training as published: the
 * model trained on the private data (the teacher) labels a reference set of inputs that are NOT its training
 * samples; the reference inputs whose teacher predictions have the lowest entropy are kept (the paper shows
 * they carry the least membership information); a fresh model (the student) learns only the teacher's
 * predictions on them, softened with a temperature. The student never sees a training sample, so it cannot
 * memorise one, while the teacher's knowledge of the task passes through its predictions.
 */

export interface ReferenceDistillationOptions {
  teacher: tfl.LayersModel;
  /** A freshly built, compiled model of the same task (categorical cross-entropy). */
  student: tfl.LayersModel;
  /** Reference inputs, none of them a training sample of the teacher: n * prod(sampleShape). */
  reference: Float32Array;
  sampleShape: number[];
  classes: number;
  /** Share of the reference inputs kept, those with the lowest-entropy teacher predictions (default 0.5). */
  keep?: number;
  /** Softening of the teacher's predictions: p^(1/T), renormalized (default 2). */
  temperature?: number;
  epochs: number;
  /**
   * At least this many optimizer steps (default 300): a small reference set (a few held-out records) would
   * otherwise give the student a handful of steps and no model at all; epochs are added until it is reached.
   */
  minSteps?: number;
  batchSize?: number;
  seed: number;
  signal: AbortSignal;
  replicas?: number;
  onNotice?(message: string): void;
  onBatch?(epoch: number, fraction: number, loss: number): void;
}

export interface ReferenceDistillationReport {
  referenceOffered: number;
  referenceKept: number;
  temperature: number;
  /** Mean entropy (nats) of the teacher's predictions on the kept and on all offered reference inputs. */
  meanEntropyKept: number;
  meanEntropyOffered: number;
  epochsRun: number;
  replicas: number;
}

function teacherProbabilities(
  teacher: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  classes: number,
): Float32Array {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  const out = new Float32Array(n * classes);
  for (let from = 0; from < n; from += 512) {
    const count = Math.min(512, n - from);
    const p = tf.tidy(
      () =>
        teacher.predict(
          tf.tensor(inputs.subarray(from * size, (from + count) * size), [count, ...sampleShape]),
        ) as tf.Tensor,
    );
    out.set(p.dataSync(), from * classes);
    p.dispose();
  }
  return out;
}

export async function distillOnReference(
  o: ReferenceDistillationOptions,
): Promise<ReferenceDistillationReport> {
  const { classes, sampleShape } = o;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const offered = o.reference.length / size;
  const keepShare = o.keep ?? 0.5;
  const temperature = o.temperature ?? 2;
  const probabilities = teacherProbabilities(o.teacher, o.reference, sampleShape, classes);
  const entropy = Float64Array.from({ length: offered }, (_, s) => {
    let h = 0;
    for (let c = 0; c < classes; c++) {
      const p = probabilities[s * classes + c] as number;
      if (p > 0) h -= p * Math.log(p);
    }
    return h;
  });
  const kept = Array.from(entropy.keys())
    .sort((a, b) => (entropy[a] as number) - (entropy[b] as number) || a - b)
    .slice(0, Math.max(1, Math.round(offered * keepShare)))
    .sort((a, b) => a - b);
  const inputs = new Float32Array(kept.length * size);
  const targets = new Float32Array(kept.length * classes);
  const hard = new Int32Array(kept.length);
  kept.forEach((s, k) => {
    inputs.set(o.reference.subarray(s * size, (s + 1) * size), k * size);
    let sum = 0;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const p = Math.max(probabilities[s * classes + c] as number, 1e-12) ** (1 / temperature);
      targets[k * classes + c] = p;
      sum += p;
      if (p > (targets[k * classes + best] as number)) best = c;
    }
    for (let c = 0; c < classes; c++) targets[k * classes + c] = (targets[k * classes + c] as number) / sum;
    hard[k] = best;
  });
  const batchSize = o.batchSize ?? 64;
  const stepsPerEpoch = Math.ceil(kept.length / batchSize);
  const epochs = Math.max(o.epochs, Math.ceil((o.minSteps ?? 300) / stepsPerEpoch));
  const run = await fitEpochs({
    model: o.student,
    inputs,
    labels: hard,
    softTargets: targets,
    sampleShape,
    classes,
    epochs,
    batchSize,
    seed: o.seed,
    signal: o.signal,
    ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
    ...(o.onNotice !== undefined ? { onNotice: o.onNotice } : {}),
    ...(o.onBatch !== undefined ? { onBatch: o.onBatch } : {}),
  });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return {
    referenceOffered: offered,
    referenceKept: kept.length,
    temperature,
    meanEntropyKept: mean(kept.map((s) => entropy[s] as number)),
    meanEntropyOffered: mean(Array.from(entropy)),
    epochsRun: run.epochsRun,
    replicas: run.replicas,
  };
}
