import assert from 'node:assert/strict';
import { initEngine, type BackendName } from '../../src-main/core/engine/backend.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { tf } from '../../src-main/core/engine/tf.js';

/** Helpers for the wasm-versus-cpu kernel tests. */

/** Seeded N(0,1)-ish values (sum of uniforms), so every run tests the same numbers. */
export function seededValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng() + rng() + rng() - 1.5;
  return values;
}

export interface KernelInput {
  values: Float32Array | Int32Array;
  shape: number[];
}

/** A seeded float32 input of `shape`. */
export function seededInput(shape: number[], seed: number): KernelInput {
  return {
    values: seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  };
}

/**
 * Runs one kernel through the engine on a backend and returns its output values and shape, checking that no
 * tensor is left behind.
 */
export async function runKernelOn(
  backend: BackendName,
  kernelName: string,
  inputs: Record<string, KernelInput>,
  attrs: object,
): Promise<{ values: Float32Array; shape: number[] }> {
  await initEngine(backend);
  const before = tf.memory().numTensors;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) {
    tensors[name] = tf.tensor(
      input.values,
      input.shape,
      input.values instanceof Int32Array ? 'int32' : 'float32',
    );
  }
  const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  out.dispose();
  for (const t of Object.values(tensors)) t.dispose();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${kernelName} on ${backend}: numTensors ${before} -> ${after}`);
  return { values: Float32Array.from(values), shape };
}

/** max |a - b| / max |b|: the error relative to the reference's scale (element-wise ratios blow up near 0). */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (reference[i] as number)));
    scale = Math.max(scale, Math.abs(reference[i] as number));
  }
  if (Number.isNaN(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

/**
 * The error relative to the reference's largest value within `tolerance` (1e-4: float32 sums in another
 * order), and a reference that is not degenerate: a kernel returning zeros would pass against a tiny one.
 */
export function assertClose(
  actual: { values: Float32Array; shape: number[] },
  expected: { values: Float32Array; shape: number[] },
  what: string,
  tolerance = 1e-4,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const error = relativeError(actual.values, expected.values);
  assert.ok(error <= tolerance, `${what}: relative error ${error.toExponential(2)}`);
  assert.ok(
    expected.values.some((v) => Math.abs(v) > 0.1),
    `${what}: reference is degenerate`,
  );
}

/** Runs one kernel on wasm and on cpu with the same inputs and asserts that they agree (assertClose). */
export async function assertWasmMatchesCpu(
  kernelName: string,
  inputs: Record<string, KernelInput>,
  attrs: object,
  what: string,
): Promise<void> {
  const wasm = await runKernelOn('wasm', kernelName, inputs, attrs);
  assertClose(wasm, await runKernelOn('cpu', kernelName, inputs, attrs), what);
}
