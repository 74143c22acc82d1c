import { tf, tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';

export interface LayerSparsity {
  name: string;
  className: string;
  /** Fraction of the layer's output values that are exactly zero over the samples measured. */
  zeroFraction: number;
  /** Output values per sample. */
  elements: number;
}

export interface ActivationSparsity {
  samples: number;
  layers: LayerSparsity[];
  /** Zero fraction over the outputs of every layer listed, weighted by their sizes. */
  overallZeroFraction: number;
  /** Multiply-accumulates per sample of the convolution and dense layers, all inputs counted. */
  denseMacs: number;
  /** The same with the multiplications by a zero input left out: what a zero-skipping kernel would do. */
  effectiveMacs: number;
}

/** Multiply-accumulates per sample of a convolution or dense layer (kernel taps x input channels x outputs). */
function layerMacs(layer: tfl.layers.Layer): number {
  const kernel = layer.getWeights()[0];
  const output = layer.outputShape as number[];
  if (kernel === undefined) return 0;
  const perOutput = kernel.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const outputs = output.slice(1).reduce((a, b) => a * (b ?? 1), 1);
  return perOutput * outputs;
}

const COUNTED = new Set(['Conv1D', 'Conv2D', 'Dense']);

/**
 * Measures how sparse a model's activations are on real inputs (the point of winners-take-all and of joint
 * weight/activation pruning): the fraction of exact zeros in every layer's output, and the multiply-accumulates
 * a kernel that skipped zero inputs would save. Dense TF.js kernels do not skip zeros, so measured latency
 * does not move with these figures; they say what sparse hardware or kernels would gain.
 */
export function activationSparsity(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  batchSize = 64,
): ActivationSparsity {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  if (!Number.isInteger(n) || n < 1) throw badInput('activation sparsity needs at least one whole sample');
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const probe = tfl.model({
    inputs: model.inputs,
    outputs: layers.map((l) => l.output as tfl.SymbolicTensor),
  });
  const zeros = new Float64Array(layers.length);
  const counts = new Float64Array(layers.length);
  let inputZeros = 0;
  for (let i = 0; i < inputs.length; i++) if (inputs[i] === 0) inputZeros++;
  for (let from = 0; from < n; from += batchSize) {
    const count = Math.min(batchSize, n - from);
    const tallies = tf.tidy(() => {
      const x = tf.tensor(inputs.subarray(from * size, (from + count) * size), [count, ...sampleShape]);
      const outputs = probe.predict(x) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(outputs) ? outputs : [outputs];
      return tf.stack(list.map((o) => tf.sum(tf.cast(tf.equal(o, 0), 'float32'))));
    });
    const values = tallies.dataSync();
    tallies.dispose();
    layers.forEach((layer, k) => {
      zeros[k] = (zeros[k] as number) + (values[k] as number);
      counts[k] =
        (counts[k] as number) +
        count * (layer.outputShape as number[]).slice(1).reduce((a, b) => a * (b ?? 1), 1);
    });
  }
  const zeroFractionOf = new Map<string, number>();
  const rows: LayerSparsity[] = layers.map((layer, k) => {
    const zeroFraction = (zeros[k] as number) / Math.max(1, counts[k] as number);
    zeroFractionOf.set(layer.name, zeroFraction);
    return {
      name: layer.name,
      className: layer.getClassName(),
      zeroFraction,
      elements: (counts[k] as number) / n,
    };
  });
  let denseMacs = 0;
  let effectiveMacs = 0;
  for (const layer of layers) {
    if (!COUNTED.has(layer.getClassName())) continue;
    const macs = layerMacs(layer);
    const source = layer.inboundNodes[0]?.inboundLayers[0];
    const inputZero =
      source === undefined || source.getClassName() === 'InputLayer'
        ? inputZeros / inputs.length
        : (zeroFractionOf.get(source.name) ?? 0);
    denseMacs += macs;
    effectiveMacs += macs * (1 - inputZero);
  }
  const totalElements = rows.reduce((s, r) => s + r.elements, 0);
  return {
    samples: n,
    layers: rows,
    overallZeroFraction:
      rows.reduce((s, r) => s + r.zeroFraction * r.elements, 0) / Math.max(1, totalElements),
    denseMacs,
    effectiveMacs,
  };
}
