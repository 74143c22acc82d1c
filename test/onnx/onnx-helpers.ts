import { readFileSync } from 'node:fs';
import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { fixture, readNpy } from '../import/model-files.js';
import { createOrtSession, runOrt } from '../../src-main/core/models/onnx/ort-runtime.js';
import { transposeData } from '../../src-main/core/models/onnx/onnx-tensors.js';
import { OnnxGraphBuilder } from '../../src-main/core/models/onnx/onnx-builder.js';

const FIXTURES = new URL('../../../test/fixtures/models/', import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** A model fixture's array, its values widened to float64 whatever the file's element type. */
export function fixtureNpy(name: string): { shape: number[]; data: Float64Array } {
  return readNpy(fixture(name));
}

/** Seeded values in [-1, 1): the tests' inputs, independent of the import's own probe. */
export function seededValues(count: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: count }, () => rng() * 2 - 1);
}

export async function ortOutput(
  bytes: Uint8Array,
  data: Float64Array,
  dims: number[],
): Promise<Float32Array> {
  const { session } = await createOrtSession(bytes);
  try {
    return (await runOrt(session, Float32Array.from(data), dims)).data;
  } finally {
    await session.release();
  }
}

/** The TF.js model's output for data laid out as the file's input ([n, ...file dims]), moved by `perm`. */
export function tfOutput(
  model: tfl.LayersModel,
  data: Float64Array,
  fileDims: number[],
  perm: number[],
): Float32Array {
  const tfDims = perm.map((axis) => fileDims[axis] ?? 1);
  return tf.tidy(() => {
    const x = tf.tensor(Float32Array.from(transposeData(data, fileDims, perm)), tfDims, 'float32');
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

export { maxAbsDifference } from '../import/model-files.js';

/**
 * A beat classifier [batch, 1, 187] -> Conv -> ACTIVATION -> global average pool -> Gemm -> 5 logits: with Erf
 * (a GELU's operator, not converted) it is runtime-only, with Relu converted to TF.js.
 */
export function beatClassifier(activation: 'Erf' | 'Relu'): Uint8Array {
  const b = new OnnxGraphBuilder(13).input('x', ['batch', 1, 187]).output('y', ['batch', 5]);
  const w = b.floats('w', Array.from(seededValues(4 * 5, 71)), [4, 1, 5]);
  const conv = b.node('Conv', ['x', w], { pads: { ints: [2, 2] } });
  const pooled = b.node('GlobalAveragePool', [b.node(activation, [conv])]);
  const flat = b.node('Flatten', [pooled], { axis: { i: 1 } });
  const fc = b.floats(
    'fc',
    Array.from(seededValues(4 * 5, 72)).map((v) => v * 4),
    [4, 5],
  );
  const bias = b.floats('bias', [0.5, -0.2, 0.1, -0.3, 0], [5]);
  b.node('Gemm', [flat, fc, bias], {}, ['y']);
  return b.encode();
}
