/**
 * Winograd's minimal filtering F(m, r) for a 1-D correlation y_i = sum_k g_k d_(i+k) (what a convolution
 * layer computes), built by Toom-Cook from evaluation points: with V_n the alpha x n matrix that evaluates a
 * polynomial of n coefficients at the points (the point at infinity picks the leading coefficient) and
 * alpha = m + r - 1, the linear convolution of an m-vector with g is V_alpha^-1 diag(V_r g) V_m x; the
 * correlation is its transpose:
 *   y = A^T [ (G g) (.) (B^T d) ],  A^T = V_m^T,  G = V_r,  B^T = V_alpha^-T.
 * m outputs take alpha multiplications instead of m * r: F(4, 5) takes 8 for 20.
 */

export interface WinogradMatrices {
  outputs: number; // m
  taps: number; // r
  points: number; // alpha
  /** alpha x alpha, applied to each input tile. */
  inputTransform: number[][];
  /** alpha x r, applied to the filter. */
  filterTransform: number[][];
  /** m x alpha, applied to the products. */
  outputTransform: number[][];
}

/** Rows [1, p, p^2, ..., p^(n-1)] for each finite point, then [0, ..., 0, 1] for the point at infinity. */
function evaluation(points: number[], n: number): number[][] {
  const rows = points.map((p) => Array.from({ length: n }, (_, k) => p ** k));
  rows.push(Array.from({ length: n }, (_, k) => (k === n - 1 ? 1 : 0)));
  return rows;
}

/** Inverse by Gauss-Jordan elimination with partial pivoting, in float64. */
function inverse(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, k) => (k === i ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    }
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const lead = a[col]![col]!;
    if (lead === 0) throw new Error('Winograd points are not distinct');
    a[col] = a[col]!.map((v) => v / lead);
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = a[r]![col]!;
      if (factor !== 0) a[r] = a[r]!.map((v, k) => v - factor * a[col]![k]!);
    }
  }
  return a.map((row) => row.slice(n));
}

function transpose(matrix: number[][]): number[][] {
  return matrix[0]!.map((_, k) => matrix.map((row) => row[k]!));
}

/**
 * F(outputs, taps) on the points 0, 1, -1, 2, -2, 1/2, -1/2, ... (then infinity): small powers of two keep the
 * transforms' entries small and their products exact, which keeps float32 error near a direct convolution's.
 */
export function winogradMatrices(outputs: number, taps: number): WinogradMatrices {
  const points = outputs + taps - 1;
  const candidates = [0, 1, -1, 2, -2, 0.5, -0.5, 4, -4, 0.25, -0.25];
  if (points - 1 > candidates.length) throw new Error(`F(${outputs}, ${taps}) needs too many points`);
  const finite = candidates.slice(0, points - 1);
  const clean = (m: number[][]): number[][] => m.map((row) => row.map((v) => (Math.abs(v) < 1e-12 ? 0 : v)));
  return {
    outputs,
    taps,
    points,
    inputTransform: clean(transpose(inverse(evaluation(finite, points)))),
    filterTransform: evaluation(finite, taps),
    outputTransform: transpose(evaluation(finite, outputs)),
  };
}
