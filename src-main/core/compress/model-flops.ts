import type { tfl } from '../engine/tf.js';
import { graphNodes } from './graph.js';

/**
 * Floating-point operations per sample, counted layer by layer from the model graph (the shapes tfjs-layers
 * inferred), with a multiply-add counted as 2 FLOPs as in most papers' "FLOPs = 2 x MACs". Bias adds,
 * activations, normalization, residual adds and pooling comparisons are counted too, one per element touched.
 * `sparseFlops` counts the multiply-adds of Conv and Dense layers only for nonzero kernel weights: what a
 * sparse kernel would execute. It is the figure pruning papers quote; dense kernels (TF.js) run `flops`.
 */
export interface LayerFlops {
  layer: string;
  className: string;
  flops: number;
  sparseFlops: number;
}

export interface ModelFlops {
  flops: number;
  sparseFlops: number;
  layers: LayerFlops[];
  /** Layer classes no rule counts (assumed 0): named so that a report can say the figure is a lower bound. */
  uncounted: string[];
}

const FREE = new Set(['InputLayer', 'Flatten', 'Reshape', 'Dropout', 'SpatialDropout1D', 'Permute']);
const ELEMENTWISE = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'PReLU',
  'Softmax',
  'ThresholdedReLU',
]);
const MERGE = new Set(['Add', 'Multiply', 'Subtract', 'Average', 'Maximum', 'Minimum']);
const POOL = new Set(['MaxPooling1D', 'MaxPooling2D', 'AveragePooling1D', 'AveragePooling2D']);
const GLOBAL_POOL = new Set([
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
]);

const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function countFlops(model: tfl.LayersModel): ModelFlops {
  const layers: LayerFlops[] = [];
  const uncounted = new Set<string>();
  for (const node of graphNodes(model)) {
    const { layer } = node;
    const className = layer.getClassName();
    const config = layer.getConfig();
    const inShape = node.inputShapes[0] ?? [];
    const outShape = node.outputShapes[0] ?? [];
    const outElements = product(outShape);
    const activation = config['activation'];
    const activationFlops = typeof activation === 'string' && activation !== 'linear' ? outElements : 0;
    let flops = 0;
    let sparseFlops: number | undefined;
    if (/^Conv[123]D$/.test(className) || className === 'Dense') {
      // Each output element takes one multiply-add per kernel weight feeding it: kernel size / output channels.
      const kernel = layer.weights[0];
      const kernelSize = kernel ? product(kernel.shape as number[]) : 0;
      const channels = outShape[outShape.length - 1] ?? 1;
      const positions = outElements / channels;
      const nonzero = kernel ? countNonzero(kernel.read().dataSync()) : 0;
      const extra =
        (config['use_bias'] === false || config['useBias'] === false ? 0 : outElements) + activationFlops;
      flops = 2 * positions * kernelSize + extra;
      sparseFlops = 2 * positions * nonzero + extra;
    } else if (className === 'DepthwiseConv2D' || /^SeparableConv[12]D$/.test(className)) {
      for (const weight of layer.weights) {
        if (!/kernel$/.test(weight.originalName)) continue;
        const shape = weight.shape as number[];
        const pointwise = /pointwise/.test(weight.originalName);
        const positions =
          pointwise || className === 'DepthwiseConv2D' ? outElements / (outShape.at(-1) ?? 1) : 0;
        flops += pointwise
          ? 2 * positions * product(shape)
          : 2 * product(outShape.slice(0, -1)) * product(shape);
      }
      flops += outElements + activationFlops;
    } else if (className === 'BatchNormalization' || className === 'LayerNormalization') {
      flops = 2 * outElements;
    } else if (ELEMENTWISE.has(className)) {
      flops = outElements;
    } else if (MERGE.has(className)) {
      flops = (node.inputShapes.length - 1) * outElements;
    } else if (POOL.has(className)) {
      const pool = config['pool_size'] ?? config['poolSize'];
      const window = Array.isArray(pool) ? product(pool as number[]) : Number(pool ?? 1);
      flops = outElements * window;
    } else if (GLOBAL_POOL.has(className)) {
      flops = product(inShape);
    } else if (!FREE.has(className)) {
      uncounted.add(className);
    }
    layers.push({ layer: layer.name, className, flops, sparseFlops: sparseFlops ?? flops });
  }
  return {
    flops: layers.reduce((sum, l) => sum + l.flops, 0),
    sparseFlops: layers.reduce((sum, l) => sum + l.sparseFlops, 0),
    layers,
    uncounted: [...uncounted],
  };
}

function countNonzero(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) count++;
  return count;
}
