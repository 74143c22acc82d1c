import { readFileSync } from 'node:fs';
import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { fixture, readNpy } from '../import/model-files.js';
import { createOrtSession, runOrt } from '../../src-main/core/models/onnx/ort-runtime.js';
import { transposeData } from '../../src-main/core/models/onnx/onnx-tensors.js';

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
