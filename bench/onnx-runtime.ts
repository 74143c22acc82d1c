import * as ort from 'onnxruntime-node';
import { tf } from '../src-main/core/engine/tf.js';
import { buildEcgResnet } from '../src-main/core/models/ecg-resnet.js';
import { exportOnnx } from '../src-main/core/models/onnx/export-onnx.js';
import { createOrtSession } from '../src-main/core/models/onnx/ort-runtime.js';
import { median } from '../src-main/core/compress/measure-model.js';
import { TIMED_PASSES } from './model-bench.js';

export interface OnnxRuntimeBench {
  model: string;
  /** The ONNX Runtime execution provider (cpu unless CUDA or DirectML is installed). */
  provider: string;
  infer_samples_per_s: number;
  infer_batch: number;
  /** Largest |ONNX Runtime - TF.js| over the benchmark's inputs: the two paths compute the same model. */
  max_abs_difference: number;
  runs: number;
}

/**
 * ecg-resnet inference through ONNX Runtime, beside the TF.js path: the bench model (seed 0) exported with
 * Attest's exporter, the same N(0, 1) inputs and batch as the TF.js inference figures, the median of
 * TIMED_PASSES passes after a warm-up. ONNX Runtime runs its own thread pool (one thread per physical core).
 */
export async function benchOnnxRuntime(samples = 2048, inferBatch = 256): Promise<OnnxRuntimeBench> {
  const model = buildEcgResnet({ inputLength: 187, classes: 5, seed: 0 });
  const x = tf.randomNormal([samples, 187, 1], 0, 1, 'float32', 1);
  const { session, provider } = await createOrtSession(exportOnnx(model));
  try {
    const inputs = x.dataSync() as Float32Array;
    const outputs = new Float32Array(samples * 5);
    const pass = async (): Promise<void> => {
      for (let i = 0; i < samples; i += inferBatch) {
        const size = Math.min(inferBatch, samples - i);
        const batch = new ort.Tensor('float32', inputs.subarray(i * 187, (i + size) * 187), [size, 187, 1]);
        const result = await session.run({ input: batch });
        outputs.set(result['output']?.data as Float32Array, i * 5);
      }
    };
    await pass();
    const rates: number[] = [];
    for (let k = 0; k < TIMED_PASSES; k++) {
      const start = performance.now();
      await pass();
      rates.push(samples / ((performance.now() - start) / 1000));
    }
    const expected = tf.tidy(() => (model.predict(x, { batchSize: inferBatch }) as tf.Tensor).dataSync());
    let difference = 0;
    expected.forEach((v, i) => (difference = Math.max(difference, Math.abs(v - (outputs[i] ?? Number.NaN)))));
    return {
      model: 'ecg-resnet',
      provider,
      infer_samples_per_s: Math.round(median(rates) * 10) / 10,
      infer_batch: inferBatch,
      max_abs_difference: Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference,
      runs: TIMED_PASSES,
    };
  } finally {
    await session.release();
    x.dispose();
    model.dispose();
  }
}
