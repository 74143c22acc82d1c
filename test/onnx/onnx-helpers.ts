import { readFileSync } from 'node:fs';
import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { parseNpy, type NpyArray } from '../../src-main/core/data/timeseries/npy.js';
import { createOrtSession, runOrt } from '../../src-main/core/models/onnx/ort-runtime.js';
import { transposeData } from '../../src-main/core/models/onnx/onnx-tensors.js';

const FIXTURES = new URL('../../../test/fixtures/models/', import.meta.url);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** A fixture array with its values widened to float64, whatever the file's element type. */
export function fixtureNpy(name: string): NpyArray & { data: Float64Array } {
  const array = parseNpy(fixtureBytes(name), name);
  return { ...array, data: Float64Array.from(array.data) };
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

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return Number.isNaN(max) ? Number.POSITIVE_INFINITY : max;
}
