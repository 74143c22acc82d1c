import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src-main/core/data/timeseries/npy.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/** The model fixtures (test/fixtures/models/README.md says where each comes from). */
export const MODEL_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'models');

export function fixture(name: string): string {
  return join(MODEL_FIXTURES, name);
}

/** An .npy file with its values widened to float64, whatever the file's element type. */
export function readNpy(path: string): { shape: number[]; data: Float64Array } {
  const array = parseNpy(new Uint8Array(readFileSync(path)), path);
  return { shape: array.shape, data: Float64Array.from(array.data) };
}

/** Row-wise softmax of a [n, k] array: the reference for a logits model Attest appends a softmax to. */
export function softmaxRows(values: Float64Array, k: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += k) {
    const row = values.subarray(start, start + k);
    const max = Math.max(...row);
    const exps = Array.from(row, (v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, j) => (out[start + j] = e / sum));
  }
  return out;
}

/** The largest elementwise difference; Infinity when the lengths differ or a value is NaN. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return Number.isNaN(max) ? Infinity : max;
}

export function countArtifacts(home: string): number {
  const dir = join(home, 'artifacts');
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((n, sub) => n + readdirSync(join(dir, sub)).length, 0);
}
