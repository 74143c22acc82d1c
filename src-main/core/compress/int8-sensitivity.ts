import { tf, type tfl } from '../engine/tf.js';
import { int8RoundTrip, layerNameOf, quantizableKernels } from './fake-quant.js';
import {
  predictClasses,
  scorePredictions,
  type ActivationRanges,
  type HeldOutScore,
} from './simulate-int8.js';

/**
 * Which layers int8 hurts. For each layer with a kernel: the macro-F1 lost when only that layer is int8 (its
 * kernel and its output), and the macro-F1 won back when only that layer stays float while all others are
 * int8. A layer that costs a noticeable share of the total loss on its own is named, in plain words, as one
 * to keep in float (recipe option quant:int8:float=NAME).
 */
export interface LayerSensitivity {
  layer: string;
  /** Macro-F1 points lost (x100) with only this layer in int8. */
  aloneDrop: number;
  /** Macro-F1 points won back (x100) when only this layer stays float. */
  keptFloatGain: number;
  keepFloat: boolean;
}

export interface SensitivityScan {
  float: HeldOutScore;
  int8: HeldOutScore;
  layers: LayerSensitivity[];
  keepFloat: string[];
  advice: string[];
}

export interface ScanData {
  inputs: Float32Array;
  labels: ArrayLike<number>;
  classes: string[];
  sampleShape: number[];
}

/** Points of macro-F1 below which a difference is treated as noise. */
const NOISE_POINTS = 0.3;

/** Runs fn with the kernels of `layers` rounded to int8, then restores the float kernels. */
export function withInt8Kernels<T>(model: tfl.LayersModel, layers: ReadonlySet<string>, fn: () => T): T {
  const kernels = quantizableKernels(model).filter((k) => layers.has(layerNameOf(k.originalName)));
  const saved = kernels.map((kernel) => tf.clone(kernel.read()));
  try {
    tf.tidy(() => {
      for (const kernel of kernels) {
        const shape = kernel.shape as number[];
        kernel.write(tf.tensor(int8RoundTrip(kernel.read().dataSync() as Float32Array, shape), shape));
      }
    });
    return fn();
  } finally {
    kernels.forEach((kernel, i) => kernel.write(saved[i] as tf.Tensor));
    for (const tensor of saved) tensor.dispose();
  }
}

export function int8SensitivityScan(
  model: tfl.LayersModel,
  ranges: ActivationRanges,
  data: ScanData,
): SensitivityScan {
  const layers = [...new Set(quantizableKernels(model).map((k) => layerNameOf(k.originalName)))];
  const allOutputs = new Set(Object.keys(ranges));
  const score = (int8Layers: Set<string>, outputs: Set<string>, input: boolean): HeldOutScore =>
    withInt8Kernels(model, int8Layers, () =>
      scorePredictions(
        data.labels,
        predictClasses(model, data.inputs, data.sampleShape, {
          ranges,
          quantizeOutputsOf: outputs,
          quantizeInput: input,
        }),
        data.classes,
      ),
    );
  const float = score(new Set(), new Set(), false);
  const int8 = score(new Set(layers), allOutputs, true);
  const totalDrop = 100 * (float.macroF1 - int8.macroF1);
  const result: LayerSensitivity[] = layers.map((layer) => {
    const alone = score(new Set([layer]), new Set([layer]), false);
    const others = new Set(layers.filter((l) => l !== layer));
    const outputs = new Set([...allOutputs].filter((l) => l !== layer));
    const keptFloat = score(others, outputs, true);
    const aloneDrop = 100 * (float.macroF1 - alone.macroF1);
    const keptFloatGain = 100 * (keptFloat.macroF1 - int8.macroF1);
    const keepFloat =
      totalDrop > NOISE_POINTS &&
      Math.max(aloneDrop, keptFloatGain) > NOISE_POINTS &&
      Math.max(aloneDrop, keptFloatGain) >= 0.25 * totalDrop;
    return { layer, aloneDrop, keptFloatGain, keepFloat };
  });
  const keepFloat = result.filter((r) => r.keepFloat).map((r) => r.layer);
  const advice: string[] = [];
  const fmt = (points: number): string => points.toFixed(2);
  if (totalDrop <= NOISE_POINTS)
    advice.push(
      `Every layer tolerates int8: the whole int8 model loses ${fmt(totalDrop)} macro-F1 points on ${float.samples} held-out samples (within noise).`,
    );
  else {
    advice.push(
      `The whole int8 model loses ${fmt(totalDrop)} macro-F1 points on ${float.samples} held-out samples.`,
    );
    for (const r of result.filter((x) => x.keepFloat))
      advice.push(
        `Keep ${r.layer} in float: in int8 on its own it costs ${fmt(r.aloneDrop)} points, and keeping only it in float wins back ${fmt(r.keptFloatGain)}.`,
      );
    if (keepFloat.length === 0)
      advice.push('No single layer is to blame: the loss is spread over many layers (consider qat:int8).');
    else advice.push(`Recipe: quant:int8:float=${keepFloat.join('+')}`);
  }
  return { float, int8, layers: result, keepFloat, advice };
}
