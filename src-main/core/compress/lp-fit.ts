import { createRng, deriveSeed } from '../engine/seed.js';
import { frobenius, leadingColumns, matrix, multiply, svd, transpose, type Matrix } from './svd.js';

/**
 * Robust l_p subspace fitting of a layer's neurons (Tukan et al. 2021, "No fine-tuning, no cry: robust SVD for
 * compressing deep networks"). Each neuron's weight vector (a column of W) is a point; a rank-r subspace is
 * fitted so that the sum of the points' distances to it, to the power p (1 <= p < 2), is small, so a few
 * outlying neurons do not dictate the subspace as they do the SVD's. The paper's method fits several subspaces
 * at once: the neurons are partitioned, each part gets its own rank-r subspace (projective clustering), which
 * fits neurons that lie in different directions far better than one subspace of the same parameter count.
 *
 * Single subspaces are found by iteratively reweighted least squares (a weighted SVD with weights dist^(p-2));
 * the partition by a k-means-like alternation: fit each part's subspace, move each neuron to the subspace
 * nearest to it, repeat; from several seeded starts, the cheapest fit kept.
 */

const IRLS_ITERATIONS = 25;
/** IRLS steps per alternation, warm-started from the part's previous subspace. */
const ALTERNATION_IRLS = 6;
const MAX_ALTERNATIONS = 20;
const RANDOM_STARTS = 2;
/** Block power steps per subspace update in the alternation. */
const POWER_STEPS = 2;

/** Distance of each column of W to the span of the orthonormal basis. */
export function columnResiduals(w: Matrix, basis: Matrix): Float64Array {
  const projection = multiply(basis, multiply(transpose(basis), w));
  const out = new Float64Array(w.cols);
  for (let j = 0; j < w.cols; j++) {
    let sum = 0;
    for (let i = 0; i < w.rows; i++)
      sum += ((w.data[i * w.cols + j] as number) - (projection.data[i * w.cols + j] as number)) ** 2;
    out[j] = Math.sqrt(sum);
  }
  return out;
}

/** Sum over neurons of dist^p: the objective the l_p fit minimizes. */
export function lpCost(w: Matrix, basis: Matrix, p: number): number {
  return columnResiduals(w, basis).reduce((sum, d) => sum + d ** p, 0);
}

/** The leading r left singular vectors, padded with zero columns when W has fewer than r independent ones. */
function leadingBasis(w: Matrix, rank: number): Matrix {
  const u = svd(w).u;
  if (u.cols >= rank) return leadingColumns(u, rank);
  const out = matrix(w.rows, rank);
  for (let i = 0; i < w.rows; i++)
    for (let k = 0; k < u.cols; k++) out.data[i * rank + k] = u.data[i * u.cols + k] as number;
  return out;
}

/** Gram-Schmidt on the columns of a, in place; a column that vanishes is left zero. */
function orthonormalize(a: Matrix): Matrix {
  for (let k = 0; k < a.cols; k++) {
    for (let prev = 0; prev < k; prev++) {
      let dot = 0;
      for (let i = 0; i < a.rows; i++)
        dot += (a.data[i * a.cols + k] as number) * (a.data[i * a.cols + prev] as number);
      for (let i = 0; i < a.rows; i++)
        a.data[i * a.cols + k] =
          (a.data[i * a.cols + k] as number) - dot * (a.data[i * a.cols + prev] as number);
    }
    let norm = 0;
    for (let i = 0; i < a.rows; i++) norm += (a.data[i * a.cols + k] as number) ** 2;
    const inverse = norm > 1e-24 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < a.rows; i++) a.data[i * a.cols + k] = (a.data[i * a.cols + k] as number) * inverse;
  }
  return a;
}

/**
 * The leading subspace of W by block power iterations from a nearby basis: within the alternation each step
 * moves the subspace only a little, and this costs rows x cols x r per step where a full SVD costs far more.
 */
function powerBasis(w: Matrix, start: Matrix, iterations: number): Matrix {
  let basis = start;
  const wt = transpose(w);
  for (let k = 0; k < iterations; k++) basis = orthonormalize(multiply(w, multiply(wt, basis)));
  return basis;
}

/**
 * IRLS for the l_p subspace of W's columns from a starting basis; `power` steps of block power iteration per
 * reweighting instead of a full SVD when given.
 */
function irls(w: Matrix, start: Matrix, rank: number, p: number, iterations: number, power?: number): Matrix {
  let basis = start;
  const scale = frobenius(w) / Math.sqrt(Math.max(1, w.cols)) || 1;
  const delta = 1e-6 * scale;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const residuals = columnResiduals(w, basis);
    const weighted = matrix(w.rows, w.cols);
    for (let j = 0; j < w.cols; j++) {
      const factor = Math.sqrt(Math.max(residuals[j] as number, delta) ** (p - 2));
      for (let i = 0; i < w.rows; i++)
        weighted.data[i * w.cols + j] = (w.data[i * w.cols + j] as number) * factor;
    }
    basis = power !== undefined ? powerBasis(weighted, basis, power) : leadingBasis(weighted, rank);
  }
  return basis;
}

function normalizedColumns(w: Matrix): Matrix {
  const out = matrix(w.rows, w.cols);
  for (let j = 0; j < w.cols; j++) {
    let norm = 0;
    for (let i = 0; i < w.rows; i++) norm += (w.data[i * w.cols + j] as number) ** 2;
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < w.rows; i++) out.data[i * w.cols + j] = (w.data[i * w.cols + j] as number) * inverse;
  }
  return out;
}

/** Orthonormal rows x r basis of the l_p subspace of W's columns (p >= 2: the SVD's). */
export function lpBasis(w: Matrix, rank: number, p: number): Matrix {
  if (p >= 2) return leadingBasis(w, rank);
  // The l_p objective is not convex: IRLS from the SVD subspace can stay with a heavy outlier. A second start
  // from the subspace of the normalized columns (each neuron's direction, whatever its norm) is robust to that;
  // the better of the two fits is kept.
  let best = leadingBasis(w, rank);
  let bestCost = Infinity;
  for (const start of [leadingBasis(w, rank), leadingBasis(normalizedColumns(w), rank)]) {
    const basis = irls(w, start, rank, p, IRLS_ITERATIONS);
    const cost = lpCost(w, basis, p);
    if (cost < bestCost) {
      best = basis;
      bestCost = cost;
    }
  }
  return best;
}

function columnsOf(w: Matrix, columns: number[]): Matrix {
  const out = matrix(w.rows, columns.length);
  columns.forEach((j, k) => {
    for (let i = 0; i < w.rows; i++) out.data[i * columns.length + k] = w.data[i * w.cols + j] as number;
  });
  return out;
}

export interface SubspacesFit {
  /** One orthonormal rows x r basis per part. */
  bases: Matrix[];
  /** The part of each neuron (column). */
  assignment: Int32Array;
  /** Sum over neurons of the distance to their part's subspace, to the power p. */
  cost: number;
}

/** Each neuron's distance to every subspace: distances[g][j]. */
function distancesTo(w: Matrix, bases: Matrix[]): Float64Array[] {
  return bases.map((basis) => columnResiduals(w, basis));
}

/**
 * Moves each neuron to its nearest subspace; a part left with fewer than `minimum` neurons takes the worst-fitted
 * neurons of the larger parts (as k-means refills an empty cluster), so every subspace stays in use.
 */
function assign(distances: Float64Array[], cols: number, minimum: number): Int32Array {
  const assignment = new Int32Array(cols);
  for (let j = 0; j < cols; j++) {
    let best = 0;
    for (let g = 1; g < distances.length; g++)
      if ((distances[g]?.[j] as number) < (distances[best]?.[j] as number)) best = g;
    assignment[j] = best;
  }
  for (let g = 0; g < distances.length; g++) {
    const sizes = () => distances.map((_, h) => assignment.filter((a) => a === h).length);
    while ((sizes()[g] as number) < minimum) {
      const counts = sizes();
      let worst = -1;
      for (let j = 0; j < cols; j++) {
        const from = assignment[j] as number;
        if (from === g || (counts[from] as number) <= minimum) continue;
        const own = distances[from]?.[j] as number;
        if (worst < 0 || own > (distances[assignment[worst] as number]?.[worst] as number)) worst = j;
      }
      if (worst < 0) break;
      assignment[worst] = g;
    }
  }
  return assignment;
}

function partCost(distances: Float64Array[], assignment: Int32Array, p: number): number {
  let cost = 0;
  assignment.forEach((g, j) => (cost += (distances[g]?.[j] as number) ** p));
  return cost;
}

/**
 * `count` subspaces of rank `rank` for W's columns minimizing the sum of dist^p (k-means-like alternation).
 * Needs count * rank <= cols so each part can hold at least `rank` neurons. Deterministic for a seed.
 */
export function lpSubspaces(w: Matrix, count: number, rank: number, p: number, seed: number): SubspacesFit {
  if (count <= 1) {
    const basis = lpBasis(w, rank, p);
    return { bases: [basis], assignment: new Int32Array(w.cols), cost: lpCost(w, basis, p) };
  }
  const minimum = Math.min(rank, Math.floor(w.cols / count));
  const starts: Int32Array[] = [peelingStart(w, count, rank, p)];
  for (let s = 0; s < RANDOM_STARTS; s++) {
    const rng = createRng(deriveSeed(seed, 'lp-subspaces', s));
    starts.push(Int32Array.from({ length: w.cols }, () => Math.floor(rng() * count)));
  }
  let best: SubspacesFit | undefined;
  for (const start of starts) {
    let assignment = assign(
      Array.from({ length: count }, (_, g) => Float64Array.from(start, (a) => (a === g ? 0 : 1))),
      w.cols,
      minimum,
    );
    let bases = Array.from({ length: count }, (_, g) => {
      const part = columnsOf(w, partMembers(assignment, g));
      return p >= 2
        ? leadingBasis(part, rank)
        : irls(part, leadingBasis(part, rank), rank, p, ALTERNATION_IRLS, POWER_STEPS);
    });
    let cost = partCost(distancesTo(w, bases), assignment, p);
    for (let iteration = 0; iteration < MAX_ALTERNATIONS; iteration++) {
      const next = assign(distancesTo(w, bases), w.cols, minimum);
      const nextBases = bases.map((basis, g) => {
        const part = columnsOf(w, partMembers(next, g));
        return p >= 2
          ? powerBasis(part, basis, POWER_STEPS)
          : irls(part, basis, rank, p, ALTERNATION_IRLS, POWER_STEPS);
      });
      const nextCost = partCost(distancesTo(w, nextBases), next, p);
      // Stop when a round no longer lowers the objective (IRLS steps can wobble slightly near the optimum).
      if (!(nextCost < cost * (1 - 1e-9))) break;
      assignment = next;
      bases = nextBases;
      cost = nextCost;
    }
    if (best === undefined || cost < best.cost) best = { bases, assignment, cost };
  }
  return best as SubspacesFit;
}

function partMembers(assignment: Int32Array, g: number): number[] {
  const out: number[] = [];
  assignment.forEach((a, j) => {
    if (a === g) out.push(j);
  });
  return out;
}

/**
 * A deterministic start: fit one subspace to the neurons not yet taken, give the best-fitted share of them to
 * a part, repeat on the rest (the dominant direction first, then the next).
 */
function peelingStart(w: Matrix, count: number, rank: number, p: number): Int32Array {
  const assignment = new Int32Array(w.cols).fill(count - 1);
  let remaining = Array.from({ length: w.cols }, (_, j) => j);
  for (let g = 0; g < count - 1 && remaining.length > rank; g++) {
    const part = columnsOf(w, remaining);
    const residuals = columnResiduals(part, lpBasis(part, rank, p));
    const take = Math.max(rank, Math.round(remaining.length / (count - g)));
    const order = Array.from(residuals.keys()).sort(
      (a, b) => (residuals[a] as number) - (residuals[b] as number),
    );
    const taken = new Set(order.slice(0, take).map((k) => remaining[k] as number));
    for (const j of taken) assignment[j] = g;
    remaining = remaining.filter((j) => !taken.has(j));
  }
  return assignment;
}
