import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createRng } from '../../src-main/core/engine/seed.js';
import {
  frobenius,
  leadingColumns,
  matrix,
  multiply,
  rankForEnergy,
  svd,
  transpose,
  type Matrix,
} from '../../src-main/core/compress/svd.js';
import { AttestError } from '../../src-main/core/errors.js';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** U diag(S) V^T, to check a decomposition by rebuilding its matrix. */
function rebuild(u: Matrix, s: Float64Array, v: Matrix): Matrix {
  const us = matrix(u.rows, s.length);
  for (let i = 0; i < u.rows; i++)
    for (let k = 0; k < s.length; k++)
      us.data[i * s.length + k] = (u.data[i * u.cols + k] as number) * (s[k] as number);
  return multiply(us, transpose(v));
}

function assertOrthonormalColumns(m: Matrix, count: number, what: string): void {
  const gram = multiply(transpose(leadingColumns(m, count)), leadingColumns(m, count));
  for (let i = 0; i < count; i++)
    for (let j = 0; j < count; j++)
      close(gram.data[i * count + j] as number, i === j ? 1 : 0, 1e-10, `${what} gram[${i}][${j}]`);
}

/** A random orthogonal matrix: Gram-Schmidt on random columns. */
function randomOrthogonal(n: number, seed: number): Matrix {
  const rng = createRng(seed);
  const q = matrix(
    n,
    n,
    Array.from({ length: n * n }, () => rng() - 0.5),
  );
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (q.data[i * n + j] as number) * (q.data[i * n + k] as number);
      for (let i = 0; i < n; i++)
        q.data[i * n + j] = (q.data[i * n + j] as number) - dot * (q.data[i * n + k] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (q.data[i * n + j] as number) ** 2;
    for (let i = 0; i < n; i++) q.data[i * n + j] = (q.data[i * n + j] as number) / Math.sqrt(norm);
  }
  return q;
}

test('svd of a textbook matrix: [[3, 2, 2], [2, 3, -2]] has singular values 5 and 3', () => {
  const a = matrix(2, 3, [3, 2, 2, 2, 3, -2]);
  const d = svd(a);
  assert.equal(d.s.length, 2);
  close(d.s[0] as number, 5, 1e-12, 'sigma 1');
  close(d.s[1] as number, 3, 1e-12, 'sigma 2');
  // Known singular vectors (up to sign): u1 = [1, 1]/sqrt 2, v1 = [1, 1, 0]/sqrt 2.
  close(Math.abs(d.u.data[0] as number), Math.SQRT1_2, 1e-12, 'u1[0]');
  close(Math.abs(d.v.data[0] as number), Math.SQRT1_2, 1e-12, 'v1[0]');
  close(Math.abs(d.v.data[2 * 2] as number), 0, 1e-12, 'v1[2]');
  const back = rebuild(d.u, d.s, d.v);
  back.data.forEach((x, i) => close(x, a.data[i] as number, 1e-12, `A[${i}]`));
});

test('svd recovers a matrix built from known orthogonal factors and singular values, tall and wide', () => {
  const sigma = [9, 4, 2.5, 1, 0.01];
  const u = leadingColumns(randomOrthogonal(8, 1), 5);
  const v = randomOrthogonal(5, 2);
  const a = rebuild(u, Float64Array.from(sigma), v);
  for (const m of [a, transpose(a)]) {
    const d = svd(m);
    sigma.forEach((s, k) => close(d.s[k] as number, s, 1e-11, `sigma ${k}`));
    assertOrthonormalColumns(d.u, 5, 'U');
    assertOrthonormalColumns(d.v, 5, 'V');
    const back = rebuild(d.u, d.s, d.v);
    close(
      frobenius(
        matrix(
          m.rows,
          m.cols,
          back.data.map((x, i) => x - (m.data[i] as number)),
        ),
      ),
      0,
      1e-11,
      'rebuild',
    );
  }
});

test('svd of rank-deficient, diagonal, zero and single-column matrices', () => {
  const rankOne = matrix(3, 3, [1, 2, 3, 2, 4, 6, 3, 6, 9]);
  const d = svd(rankOne);
  close(d.s[0] as number, 14, 1e-12, 'rank one: ||x||^2 for x = [1, 2, 3]');
  close(d.s[1] as number, 0, 1e-12, 'second singular value');
  const diagonal = svd(matrix(3, 3, [0, 0, 0, 0, -7, 0, 0, 0, 2]));
  assert.deepEqual(
    Array.from(diagonal.s, (x) => Math.round(x * 1e12) / 1e12),
    [7, 2, 0],
  );
  assert.deepEqual(Array.from(svd(matrix(2, 2)).s), [0, 0]);
  const column = svd(matrix(3, 1, [3, 0, 4]));
  close(column.s[0] as number, 5, 1e-12, 'a column: its norm');
});

test('rankForEnergy keeps the smallest rank reaching the energy fraction; non-finite input is refused', () => {
  const s = Float64Array.from([3, 2, 1]); // energies 9, 4, 1 of 14
  assert.equal(rankForEnergy(s, 0.6), 1);
  assert.equal(rankForEnergy(s, 0.65), 2);
  assert.equal(rankForEnergy(s, 13 / 14), 2);
  assert.equal(rankForEnergy(s, 0.99), 3);
  assert.throws(() => svd(matrix(1, 2, [1, NaN])), AttestError);
});
