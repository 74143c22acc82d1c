import { tf, tfl } from '../../engine/tf.js';
import { createRng } from '../../engine/seed.js';
import { badInput } from '../../errors.js';
import type { OnnxConversionError } from './graph-context.js';
import { openOnnxRuntimeModel } from './onnx-runtime-model.js';
import { OnnxRuntimeLayer } from './onnx-runtime-layer.js';
import type { OnnxFile, OnnxLayout } from './read-onnx.js';

export interface OnnxRuntimeOnlyImport extends Omit<OnnxFile, 'proto'> {
  /** A TF.js model of one OnnxRuntimeLayer: channels-last input as Attest feeds it, the file's scores out. */
  model: tfl.LayersModel;
  provider: string;
  /** Why the graph could not be converted (the conversion's message), and the operator at fault. */
  notConverted: { operator: string; reason: string };
}

const PROBE_SEED = 20_190_612;

/**
 * An ONNX graph the converter refused (an operator it does not convert), kept to be run by ONNX Runtime alone:
 * the file must load and answer a seeded probe batch with one score vector per sample, and the stored model's
 * synchronous path (the layer) must give exactly ONNX Runtime's answer. Only forward passes are possible on it.
 */
export async function importOnnxRuntimeOnly(
  bytes: Uint8Array,
  fileName: string,
  refusal: OnnxConversionError,
  options: { layout?: OnnxLayout } = {},
): Promise<OnnxRuntimeOnlyImport> {
  const runtime = await openOnnxRuntimeModel(bytes, fileName, options);
  let expected: Float32Array;
  const n = runtime.fixedBatch ?? 2;
  const sampleSize = runtime.inputShape.reduce((a, d) => a * d, 1);
  const rng = createRng(PROBE_SEED);
  const probe = Float32Array.from({ length: n * sampleSize }, () => rng());
  try {
    try {
      expected = await runtime.predict(probe, n);
    } catch (error) {
      throw badInput(
        `ONNX Runtime cannot run it on a batch of ${n} (${error instanceof Error ? error.message : String(error)})`,
        fileName,
      );
    }
  } finally {
    await runtime.close();
  }
  const outputs = expected.length / n;
  if (!Number.isInteger(outputs) || outputs < 1)
    throw badInput(`ONNX Runtime returns ${expected.length} values for a batch of ${n}`, fileName);
  const { close: _close, predict: _predict, provider, ...file } = runtime;
  const input = tfl.input({ shape: file.inputShape, name: 'onnx_input' });
  const layer = new OnnxRuntimeLayer({
    onnx: Buffer.from(bytes).toString('hex'),
    fileInputShape: file.fileInputShape,
    perm: file.perm,
    fixedBatch: file.fixedBatch ?? null,
    outputs,
    name: 'onnx_runtime',
  });
  const model = tfl.model({
    inputs: input,
    outputs: layer.apply(input) as tfl.SymbolicTensor,
    name: 'onnx_runtime_only',
  });
  try {
    const got = tf.tidy(
      () =>
        (model.predict(tf.tensor(probe, [n, ...file.inputShape])) as tf.Tensor).dataSync() as Float32Array,
    );
    if (got.length !== expected.length || got.some((v, i) => v !== expected[i]))
      throw badInput('ONNX Runtime gives different outputs through the stored model than directly', fileName);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    ...file,
    model,
    provider,
    notConverted: { operator: refusal.operator, reason: refusal.message },
  };
}
