import { tf, type tfl } from '../../engine/tf.js';
import { createRng } from '../../engine/seed.js';
import { createOrtSession, runOrt } from './ort-runtime.js';

const PROBE_SAMPLES = 8;
const PROBE_SEED = 20_190_612;
/** Float32 rounding only: the two runtimes sum convolutions in different orders. */
export const EXPORT_TOLERANCE = 1e-4;
/**
 * Models that round their activations to 8 bits between the batch's minimum and maximum (ecg-resnet-q8): a value
 * that falls on the boundary between two levels may round up in one runtime and down in the other, which moves an
 * output by a fraction of one level (1/255 of the range) rather than by float rounding.
 */
export const DYNAMIC_QUANT_TOLERANCE = 5e-3;
/**
 * QDQ files (int8 kernels through DequantizeLinear): ONNX Runtime's default (extended) optimizations run those
 * layers in int8 arithmetic, quantizing their inputs too, so they agree with TF.js's float computation only to
 * about 1e-3 (8e-4 measured on ecg-resnet); with optimizations at 'basic' they agree to float rounding.
 */
export const QDQ_TOLERANCE = 5e-3;

/** Largest |ONNX Runtime - TF.js predict| on a seeded [0, 1) probe batch in Attest's layout. */
export async function compareExportWithOrt(
  model: tfl.LayersModel,
  bytes: Uint8Array,
  options: { qdq?: boolean } = {},
): Promise<{ maxAbsDifference: number; tolerance: number; provider: string }> {
  const sampleShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? 1);
  const dims = [PROBE_SAMPLES, ...sampleShape];
  const rng = createRng(PROBE_SEED);
  const probe = Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => rng());
  const expected = tf.tidy(() => (model.predict(tf.tensor(probe, dims)) as tf.Tensor).dataSync());
  const { session, provider } = await createOrtSession(bytes);
  try {
    const actual = (await runOrt(session, probe, dims)).data;
    let maxAbsDifference = actual.length === expected.length ? 0 : Number.POSITIVE_INFINITY;
    actual.forEach(
      (v, i) => (maxAbsDifference = Math.max(maxAbsDifference, Math.abs(v - (expected[i] ?? Number.NaN)))),
    );
    if (Number.isNaN(maxAbsDifference)) maxAbsDifference = Number.POSITIVE_INFINITY;
    const dynamic = model.layers.some((l) => l.getClassName() === 'DynamicFakeQuant');
    const tolerance = dynamic
      ? DYNAMIC_QUANT_TOLERANCE
      : options.qdq === true
        ? QDQ_TOLERANCE
        : EXPORT_TOLERANCE;
    return { maxAbsDifference, tolerance, provider };
  } finally {
    await session.release();
  }
}
