import { tf, type tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import { functionalConfig, modelFromConfig, copyWeightsByLayer, type LayerConfig } from './graph.js';
import {
  frobenius,
  leadingColumns,
  matrix,
  multiply,
  rankForEnergy,
  svd,
  transpose,
  type Matrix,
} from './svd.js';
import { columnResiduals, lpBasis, lpCost, lpSubspaces } from './lp-fit.js';

export { columnResiduals, lpCost };

/**
 * Low-rank factorization of Dense kernels and of Conv kernels seen as [kernel x in-channels, out-channels]:
 * W ~ A B, realised as two layers (Dense(r) then Dense(out); Conv(r, same kernel) then a 1x1 Conv(out)), only
 * where it saves parameters. p = 2 is the truncated SVD (best in Frobenius norm). 1 <= p < 2 is the robust
 * l_p fit of Tukan et al. 2021 (see lp-fit.ts). With `subspaces` J > 1 the neurons are partitioned and each
 * part gets its own rank-r subspace, as in the paper: A = [V_1 ... V_J] (rows x J r) and B is block-sparse
 * (each neuron's r coefficients in its part's rows, zeros elsewhere, stored sparse). The rank given is a
 * parameter budget, that of an SVD of that rank: r = floor(R (rows + cols) / (J rows + cols)), so that
 * `lowrank:8:p=1:subspaces=3` has at most the nonzero parameters of `lowrank:8`.
 */
export interface LowRankOptions {
  rank?: number;
  energy?: number;
  p: number;
  layers: 'all' | 'dense' | 'conv';
  /** Number of neuron parts, each with its own subspace (default 1). */
  subspaces?: number;
  /** Seeds the starts of the partition (default 1). */
  seed?: number;
}

export interface LowRankLayerReport {
  layer: string;
  rows: number;
  cols: number;
  /** Rank of each subspace. */
  rank?: number;
  /** Number of subspaces the neurons were partitioned into. */
  subspaces?: number;
  paramsBefore: number;
  /** Nonzero parameters of the two factors. */
  paramsAfter: number;
  /** ||W - W_r||_F / ||W||_F. */
  relativeError?: number;
  skipped?: string;
}

const FACTORABLE = new Set(['Dense', 'Conv1D', 'Conv2D']);

export interface Factors {
  /** rows x (subspaces * r) */
  first: Matrix;
  /** (subspaces * r) x cols */
  second: Matrix;
}

/** Truncated SVD: W ~ (U_r S_r) V_r^T. */
export function svdFactors(w: Matrix, rank: number): Factors {
  const d = svd(w);
  const first = leadingColumns(d.u, rank);
  for (let i = 0; i < first.rows; i++)
    for (let k = 0; k < rank; k++)
      first.data[i * rank + k] = (first.data[i * rank + k] as number) * (d.s[k] as number);
  return { first, second: transpose(leadingColumns(d.v, rank)) };
}

/** One robust l_p subspace of W's columns: W ~ V (V^T W) with V the rows x r orthonormal basis. */
export function lpFactors(w: Matrix, rank: number, p: number): Factors {
  if (p >= 2) return svdFactors(w, rank);
  const basis = lpBasis(w, rank, p);
  return { first: basis, second: multiply(transpose(basis), w) };
}

/**
 * Several l_p subspaces (Tukan et al. 2021): A = [V_1 ... V_J], and each neuron's coefficients V_g^T w in the
 * rows of its part g, zeros elsewhere.
 */
export function subspaceFactors(
  w: Matrix,
  subspaces: number,
  rank: number,
  p: number,
  seed: number,
): Factors {
  const fit = lpSubspaces(w, subspaces, rank, p, seed);
  const width = fit.bases.length * rank;
  const first = matrix(w.rows, width);
  fit.bases.forEach((basis, g) => {
    for (let i = 0; i < w.rows; i++)
      for (let k = 0; k < rank; k++)
        first.data[i * width + g * rank + k] = basis.data[i * rank + k] as number;
  });
  const second = matrix(width, w.cols);
  fit.bases.forEach((basis, g) => {
    const coefficients = multiply(transpose(basis), w);
    for (let j = 0; j < w.cols; j++) {
      if (fit.assignment[j] !== g) continue;
      for (let k = 0; k < rank; k++)
        second.data[(g * rank + k) * w.cols + j] = coefficients.data[k * w.cols + j] as number;
    }
  });
  return { first, second };
}

/** Rank of each of J subspaces within the parameter budget of a rank-R SVD: R (rows + cols) / (J rows + cols). */
export function subspaceRank(budgetRank: number, rows: number, cols: number, subspaces: number): number {
  if (subspaces <= 1) return budgetRank;
  return Math.floor((budgetRank * (rows + cols)) / (subspaces * rows + cols));
}

/** Nonzero parameters of J rank-r subspaces: the bases (rows x J r) and r coefficients per neuron. */
export function subspaceParams(rows: number, cols: number, subspaces: number, rank: number): number {
  return subspaces * rank * rows + rank * cols;
}

export async function factorizeLowRank(
  model: tfl.LayersModel,
  options: LowRankOptions,
): Promise<{ model: tfl.LayersModel; layers: LowRankLayerReport[] }> {
  const config = functionalConfig(model);
  const reports: LowRankLayerReport[] = [];
  const factors = new Map<string, { first: tf.Tensor; second: tf.Tensor }>();
  const layers: LayerConfig[] = [];
  try {
    for (const layer of config.layers) {
      const eligible =
        FACTORABLE.has(layer.class_name) &&
        (options.layers === 'all' || (options.layers === 'dense') === (layer.class_name === 'Dense'));
      if (!eligible) {
        layers.push(layer);
        continue;
      }
      const kernel = model.getLayer(layer.name).getWeights()[0] as tf.Tensor;
      const shape = kernel.shape;
      const cols = shape[shape.length - 1] as number;
      const rows = kernel.size / cols;
      const w = matrix(rows, cols, kernel.dataSync());
      const report: LowRankLayerReport = {
        layer: layer.name,
        rows,
        cols,
        paramsBefore: rows * cols,
        paramsAfter: rows * cols,
      };
      reports.push(report);
      const budget = Math.min(
        options.rank ?? rankForEnergy(svd(w).s, options.energy ?? 1),
        Math.min(rows, cols),
      );
      // Several subspaces only where each part can hold a whole subspace's worth of neurons.
      const subspaces = Math.max(1, Math.min(options.subspaces ?? 1, Math.floor(cols / Math.max(1, budget))));
      const rank = Math.min(subspaceRank(budget, rows, cols, subspaces), rows);
      const params = subspaceParams(rows, cols, subspaces, rank);
      if (rank < 1 || params >= rows * cols) {
        report.skipped =
          rank < 1
            ? `rank ${budget} shared by ${subspaces} subspaces leaves none for each`
            : `rank ${budget} would not save parameters (${params} >= ${rows * cols})`;
        layers.push(layer);
        continue;
      }
      const f =
        subspaces > 1
          ? subspaceFactors(w, subspaces, rank, options.p, options.seed ?? 1)
          : options.p >= 2
            ? svdFactors(w, rank)
            : lpFactors(w, rank, options.p);
      const width = f.first.cols;
      const approx = multiply(f.first, f.second);
      const diff = matrix(
        rows,
        cols,
        w.data.map((x, i) => x - (approx.data[i] as number)),
      );
      report.rank = rank;
      report.subspaces = subspaces;
      report.paramsAfter = params;
      report.relativeError = frobenius(diff) / (frobenius(w) || 1);
      factors.set(layer.name, {
        first: tf.tensor(Float32Array.from(f.first.data), [...shape.slice(0, -1), width]),
        second: tf.tensor(Float32Array.from(f.second.data), [
          ...shape.slice(0, -2).map(() => 1),
          width,
          cols,
        ]),
      });
      const firstName = `${layer.name}_lowrank`;
      const firstConfig: Record<string, unknown> = {
        ...layer.config,
        name: firstName,
        use_bias: false,
        activation: 'linear',
      };
      if (layer.class_name === 'Dense') firstConfig['units'] = width;
      else firstConfig['filters'] = width;
      layers.push({
        class_name: layer.class_name,
        name: firstName,
        config: firstConfig,
        inbound_nodes: layer.inbound_nodes,
      });
      const secondConfig: Record<string, unknown> = { ...layer.config };
      if (layer.class_name !== 'Dense') {
        const ones = (shape.length - 2 === 1 ? [1] : [1, 1]) as number[];
        Object.assign(secondConfig, {
          kernel_size: ones,
          strides: ones,
          dilation_rate: ones,
          padding: 'valid',
        });
      }
      layers.push({ ...layer, config: secondConfig, inbound_nodes: [[[firstName, 0, 0, {}]]] });
    }
    if (factors.size === 0)
      throw badInput(
        'lowrank: no layer can be factorized at this rank with fewer parameters (see the layer sizes)',
      );
    const next = await modelFromConfig({ ...config, layers });
    copyWeightsByLayer(model, next, new Set(factors.keys()));
    for (const [name, f] of factors) {
      next.getLayer(`${name}_lowrank`).setWeights([f.first]);
      const bias = model.getLayer(name).getWeights()[1];
      next.getLayer(name).setWeights(bias !== undefined ? [f.second, bias] : [f.second]);
    }
    return { model: next, layers: reports };
  } finally {
    for (const f of factors.values()) {
      f.first.dispose();
      f.second.dispose();
    }
  }
}
