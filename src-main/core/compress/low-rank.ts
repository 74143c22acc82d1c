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

/**
 * Low-rank factorization of Dense kernels and of Conv kernels seen as [kernel x in-channels, out-channels]:
 * W ~ A B, realised as two layers (Dense(r) then Dense(out); Conv(r, same kernel) then a 1x1 Conv(out)), only
 * where it saves parameters. p = 2 is the truncated SVD (best in Frobenius norm). 1 <= p < 2 is the robust
 * l_p subspace fit of Tukan et al. 2021 ("No fine-tuning, no cry: robust SVD for compressing deep networks"):
 * each neuron's weight vector is a point, and the rank-r subspace minimizes the sum of their distances to the
 * power p, so that a few outlying neurons do not dictate the subspace; it is computed here by iteratively
 * reweighted least squares (weights dist^(p-2)), and W is replaced by its projection on that subspace.
 */
export interface LowRankOptions {
  rank?: number;
  energy?: number;
  p: number;
  layers: 'all' | 'dense' | 'conv';
}

export interface LowRankLayerReport {
  layer: string;
  rows: number;
  cols: number;
  rank?: number;
  paramsBefore: number;
  paramsAfter: number;
  /** ||W - W_r||_F / ||W||_F. */
  relativeError?: number;
  skipped?: string;
}

const FACTORABLE = new Set(['Dense', 'Conv1D', 'Conv2D']);
const IRLS_ITERATIONS = 25;

export interface Factors {
  /** rows x r */
  first: Matrix;
  /** r x cols */
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

/**
 * Robust l_p subspace of the columns of W (the neurons), by IRLS: a weighted SVD where each column is weighted
 * by dist^(p-2), repeated. Returns W ~ V (V^T W) with V the rows x r orthonormal basis.
 */
export function lpFactors(w: Matrix, rank: number, p: number): Factors {
  if (p >= 2) return svdFactors(w, rank);
  // The l_p objective is not convex: IRLS from the SVD subspace can stay with a heavy outlier. A second start
  // from the subspace of the normalized columns (each neuron's direction, whatever its norm) is robust to that;
  // the better of the two fits is kept.
  const starts = [leadingColumns(svd(w).u, rank), leadingColumns(svd(normalizedColumns(w)).u, rank)];
  let best: Matrix | undefined;
  let bestCost = Infinity;
  for (const start of starts) {
    const basis = irls(w, start, rank, p);
    const cost = lpCost(w, basis, p);
    if (cost < bestCost) {
      best = basis;
      bestCost = cost;
    }
  }
  const basis = best as Matrix;
  return { first: basis, second: multiply(transpose(basis), w) };
}

function irls(w: Matrix, start: Matrix, rank: number, p: number): Matrix {
  let basis = start;
  const scale = frobenius(w) / Math.sqrt(Math.max(1, w.cols)) || 1;
  const delta = 1e-6 * scale;
  for (let iteration = 0; iteration < IRLS_ITERATIONS; iteration++) {
    const residuals = columnResiduals(w, basis);
    const weighted = matrix(w.rows, w.cols);
    for (let j = 0; j < w.cols; j++) {
      const factor = Math.sqrt(Math.max(residuals[j] as number, delta) ** (p - 2));
      for (let i = 0; i < w.rows; i++)
        weighted.data[i * w.cols + j] = (w.data[i * w.cols + j] as number) * factor;
    }
    basis = leadingColumns(svd(weighted).u, rank);
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
      const rank = Math.min(
        options.rank ?? rankForEnergy(svd(w).s, options.energy ?? 1),
        Math.min(rows, cols),
      );
      if (rank * (rows + cols) >= rows * cols) {
        report.skipped = `rank ${rank} would not save parameters (${rank * (rows + cols)} >= ${rows * cols})`;
        layers.push(layer);
        continue;
      }
      const f = options.p >= 2 ? svdFactors(w, rank) : lpFactors(w, rank, options.p);
      const approx = multiply(f.first, f.second);
      const diff = matrix(
        rows,
        cols,
        w.data.map((x, i) => x - (approx.data[i] as number)),
      );
      report.rank = rank;
      report.paramsAfter = rank * (rows + cols);
      report.relativeError = frobenius(diff) / (frobenius(w) || 1);
      factors.set(layer.name, {
        first: tf.tensor(Float32Array.from(f.first.data), [...shape.slice(0, -1), rank]),
        second: tf.tensor(Float32Array.from(f.second.data), [...shape.slice(0, -2).map(() => 1), rank, cols]),
      });
      const firstName = `${layer.name}_lowrank`;
      const firstConfig: Record<string, unknown> = {
        ...layer.config,
        name: firstName,
        use_bias: false,
        activation: 'linear',
      };
      if (layer.class_name === 'Dense') firstConfig['units'] = rank;
      else firstConfig['filters'] = rank;
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
