import { tf, type tfl } from '../engine/tf.js';
import { classificationMetrics } from '../metrics/metrics.js';
import { fakeQuantActivation, type ActivationRange } from './fake-quant.js';
import { graphNodes, runGraph } from './graph.js';

/**
 * Post-training activation calibration and simulated int8 inference. Ranges are the min and max of every
 * layer's output (and of the model input) over a sample of training data; simulated inference fake-quantizes
 * the input and each layer's output to 8 bits with those ranges while the kernels hold their int8 values, so
 * the accuracy it reports is the accuracy of the int8 model, not of the float model it came from.
 */
export const INPUT_RANGE_KEY = '__input__';

export type ActivationRanges = Record<string, ActivationRange>;

const BATCH = 256;

export function calibrateActivationRanges(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
): ActivationRanges {
  const ranges: ActivationRanges = {};
  const widen = (key: string, t: tf.Tensor): void => {
    const [min, max] = tf.tidy(() => [tf.min(t).dataSync()[0] as number, tf.max(t).dataSync()[0] as number]);
    const current = ranges[key];
    ranges[key] = current
      ? { min: Math.min(current.min, min), max: Math.max(current.max, max) }
      : { min, max };
  };
  forEachBatch(inputs, sampleShape, (x) => {
    tf.tidy(() => {
      widen(INPUT_RANGE_KEY, x);
      runGraph(model, x, {
        onOutput: (layer, output) => {
          widen(layer.name, output);
          return output;
        },
      });
    });
  });
  return ranges;
}

export interface SimulateOptions {
  ranges?: ActivationRanges;
  /** Layers whose outputs are fake-quantized (default: every layer with a range but the model's output). */
  quantizeOutputsOf?: ReadonlySet<string>;
  quantizeInput?: boolean;
}

/** Arg-max classes of the model on the inputs, optionally with 8-bit activations. */
export function predictClasses(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  options: SimulateOptions = {},
): Int32Array {
  const { ranges } = options;
  const outputLayer = graphNodes(model).at(-1)?.layer.name;
  const quantized = (name: string): boolean =>
    ranges !== undefined &&
    ranges[name] !== undefined &&
    name !== outputLayer &&
    (options.quantizeOutputsOf === undefined || options.quantizeOutputsOf.has(name));
  const predictions: number[] = [];
  forEachBatch(inputs, sampleShape, (x) => {
    const classes = tf.tidy(() => {
      const y = runGraph(model, x, {
        training: false,
        onInput: (input) =>
          ranges && options.quantizeInput !== false && ranges[INPUT_RANGE_KEY]
            ? fakeQuantActivation(input, ranges[INPUT_RANGE_KEY])
            : input,
        onOutput: (layer, output) =>
          quantized(layer.name)
            ? fakeQuantActivation(output, (ranges as ActivationRanges)[layer.name] as ActivationRange)
            : output,
      });
      return tf.argMax(y, -1).dataSync();
    });
    predictions.push(...classes);
  });
  return Int32Array.from(predictions);
}

export interface HeldOutScore {
  accuracy: number;
  macroF1: number;
  samples: number;
}

export function scorePredictions(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: string[],
): HeldOutScore {
  const metrics = classificationMetrics(labels, predicted, classes);
  return { accuracy: metrics.accuracy, macroF1: metrics.macroF1, samples: labels.length };
}

function forEachBatch(inputs: Float32Array, sampleShape: number[], visit: (x: tf.Tensor) => void): void {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = inputs.length / size;
  for (let start = 0; start < n; start += BATCH) {
    const end = Math.min(n, start + BATCH);
    const x = tf.tensor(inputs.subarray(start * size, end * size), [end - start, ...sampleShape]);
    try {
      visit(x);
    } finally {
      x.dispose();
    }
  }
}
