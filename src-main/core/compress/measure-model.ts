import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { tf, type tfl } from '../engine/tf.js';
import { engineInfo } from '../engine/backend.js';
import { badInput } from '../errors.js';
import { countParams } from './model-size.js';
import { countFlops } from './model-flops.js';

/**
 * What a model really costs, measured rather than claimed: the artifact's bytes on disk and gzipped (sparse
 * weights only shrink a file once compressed), parameters and nonzero parameters, FLOPs per sample from the
 * graph (dense and sparse-effective), and the median wall-clock latency per sample on the active backend,
 * at batch 1 (one beat at a time, as a monitor would run) and per sample within a batch of 32.
 */
export interface ModelMeasurement {
  backend: string;
  sizeBytes: number;
  gzipBytes: number;
  params: number;
  nonzeroParams: number;
  flops: number;
  sparseFlops: number;
  /** Median milliseconds for one sample run alone (batch 1). */
  latencyMs: number;
  /** Median milliseconds per sample when 32 samples run as one batch. */
  batchedMsPerSample: number;
  runs: number;
}

export interface MeasureOptions {
  /** Timed runs per batch size (after warm-up). */
  runs?: number;
  warmup?: number;
}

export const BATCHED_SIZE = 32;

export async function measureModel(
  model: tfl.LayersModel,
  artifactBytes: Uint8Array,
  options: MeasureOptions = {},
): Promise<ModelMeasurement> {
  const [measured] = await measureModels([{ model, artifactBytes }], options);
  return measured as ModelMeasurement;
}

/**
 * Measures several models with their timed runs interleaved (A B A B ...), so that a parent and its child see
 * the same machine state (other processes, thermal throttling, allocator warm-up) and their ratio is fair.
 */
export async function measureModels(
  entries: { model: tfl.LayersModel; artifactBytes: Uint8Array }[],
  options: MeasureOptions = {},
): Promise<ModelMeasurement[]> {
  const runs = options.runs ?? 30;
  const warmup = options.warmup ?? 3;
  if (!Number.isInteger(runs) || runs < 1 || runs > 10_000)
    throw badInput(`--runs must be 1 to 10000, got ${runs}`);
  const single = await interleavedLatency(
    entries.map((e) => e.model),
    1,
    runs,
    warmup,
  );
  const batched = await interleavedLatency(
    entries.map((e) => e.model),
    BATCHED_SIZE,
    Math.max(3, Math.ceil(runs / 4)),
    warmup,
  );
  return entries.map(({ model, artifactBytes }, k) => {
    const counts = countParams(model);
    const flops = countFlops(model);
    return {
      backend: engineInfo().backend,
      sizeBytes: artifactBytes.byteLength,
      gzipBytes: gzipSync(artifactBytes, { level: 9 }).byteLength,
      params: counts.params,
      nonzeroParams: counts.nonzero,
      flops: flops.flops,
      sparseFlops: flops.sparseFlops,
      latencyMs: single[k] as number,
      batchedMsPerSample: (batched[k] as number) / BATCHED_SIZE,
      runs,
    };
  });
}

/** Median milliseconds of model.predict per model, including reading the result back (as a caller must). */
async function interleavedLatency(
  models: tfl.LayersModel[],
  batch: number,
  runs: number,
  warmup: number,
): Promise<number[]> {
  const inputs = models.map((model) => {
    const shape = model.inputs[0]?.shape.slice(1).map((d) => d ?? 1) ?? [];
    // Deterministic, non-trivial input: zeros would let a sparse-aware kernel skip work it would not on data.
    const size = batch * shape.reduce((a, b) => a * b, 1);
    return tf.tensor(
      Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37)),
      [batch, ...shape],
    );
  });
  const times: number[][] = models.map(() => []);
  try {
    for (let i = 0; i < warmup + runs; i++) {
      for (const [k, model] of models.entries()) {
        const started = performance.now();
        const y = model.predict(inputs[k] as tf.Tensor) as tf.Tensor;
        await y.data();
        const elapsed = performance.now() - started;
        y.dispose();
        if (i >= warmup) times[k]?.push(elapsed);
      }
    }
  } finally {
    for (const x of inputs) x.dispose();
  }
  return times.map(median);
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
