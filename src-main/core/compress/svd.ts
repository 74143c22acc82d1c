import { badInput } from '../errors.js';

/**
 * Singular value decomposition by one-sided Jacobi rotations (Hestenes 1958; Demmel & Veselic 1992): the
 * columns of A are rotated pairwise until they are mutually orthogonal; their norms are then the singular
 * values and the accumulated rotations the right singular vectors. Simple, accurate to high relative
 * precision even for small singular values, and fast enough for layer kernels (a few hundred columns).
 * TF.js has no SVD.
 *
 * Matrices are row-major Float64Arrays. A = U diag(S) V^T with U m x k, V n x k, k = min(m, n), S descending.
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface Svd {
  u: Matrix;
  s: Float64Array;
  v: Matrix;
  sweeps: number;
}

const MAX_SWEEPS = 60;

export function matrix(rows: number, cols: number, values?: ArrayLike<number>): Matrix {
  const data = new Float64Array(rows * cols);
  if (values !== undefined) {
    if (values.length !== rows * cols)
      throw badInput(`${values.length} values for a ${rows} x ${cols} matrix`);
    data.set(values);
  }
  return { rows, cols, data };
}

export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j] as number;
  return out;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw badInput(`cannot multiply ${a.rows} x ${a.cols} by ${b.rows} x ${b.cols}`);
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++)
        out.data[i * b.cols + j] =
          (out.data[i * b.cols + j] as number) + aik * (b.data[k * b.cols + j] as number);
    }
  return out;
}

export function svd(a: Matrix): Svd {
  for (const value of a.data)
    if (!Number.isFinite(value)) throw badInput('cannot decompose a matrix with non-finite entries');
  if (a.rows < a.cols) {
    const t = svd(transpose(a));
    return { u: t.v, s: t.s, v: t.u, sweeps: t.sweeps };
  }
  const m = a.rows;
  const n = a.cols;
  // Column-major working copies: rotations act on whole columns.
  const cols = Array.from({ length: n }, (_, j) =>
    Float64Array.from({ length: m }, (_, i) => a.data[i * n + j] as number),
  );
  const vcols = Array.from({ length: n }, (_, j) => {
    const e = new Float64Array(n);
    e[j] = 1;
    return e;
  });
  const eps = 1e-13;
  let sweeps = 0;
  for (; sweeps < MAX_SWEEPS; sweeps++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const up = cols[p] as Float64Array;
        const uq = cols[q] as Float64Array;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = up[i] as number;
          const y = uq[i] as number;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(up, uq, c, s);
        rotate(vcols[p] as Float64Array, vcols[q] as Float64Array, c, s);
      }
    if (!rotated) break;
  }
  const norms = cols.map((col) => Math.sqrt(col.reduce((sum, x) => sum + x * x, 0)));
  const order = Array.from(norms.keys()).sort((x, y) => (norms[y] as number) - (norms[x] as number));
  const u = matrix(m, n);
  const v = matrix(n, n);
  const s = new Float64Array(n);
  order.forEach((j, k) => {
    const sigma = norms[j] as number;
    s[k] = sigma;
    const col = cols[j] as Float64Array;
    for (let i = 0; i < m; i++) u.data[i * n + k] = sigma > 0 ? (col[i] as number) / sigma : 0;
    const vc = vcols[j] as Float64Array;
    for (let i = 0; i < n; i++) v.data[i * n + k] = vc[i] as number;
  });
  return { u, s, v, sweeps: sweeps + 1 };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    x[i] = c * a - s * b;
    y[i] = s * a + c * b;
  }
}

/** The smallest rank whose singular values keep at least `energy` of the sum of squares. */
export function rankForEnergy(s: Float64Array, energy: number): number {
  const total = s.reduce((sum, x) => sum + x * x, 0);
  if (total === 0) return 1;
  let kept = 0;
  for (let k = 0; k < s.length; k++) {
    kept += (s[k] as number) ** 2;
    if (kept >= energy * total * (1 - 1e-12)) return k + 1;
  }
  return s.length;
}

/** The first k columns of a matrix. */
export function leadingColumns(a: Matrix, k: number): Matrix {
  const out = matrix(a.rows, k);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < k; j++) out.data[i * k + j] = a.data[i * a.cols + j] as number;
  return out;
}

export function frobenius(a: Matrix): number {
  return Math.sqrt(a.data.reduce((sum, x) => sum + x * x, 0));
}
