import { badInput } from '../errors.js';
import { argMaxRows } from '../predict/predict.js';
import { attribute, DEFAULT_IG_STEPS } from './attribution.js';
import type { SuiteContext } from './suite-context.js';
import type { ValidateOptions } from './validate-options.js';

export interface SampleAttribution {
  /** Dataset sample index. */
  index: number;
  group: string;
  label: string;
  predicted: string;
  /** The model's probability of the predicted class, and at the all-zero baseline. */
  probability: number;
  baselineProbability: number;
  /** Per input value, in the sample's layout (row-major over sampleShape). */
  saliency: number[];
  integratedGradients: number[];
  completenessError: number;
}

export interface AttributionResult {
  method: string;
  steps: number;
  sampleShape: number[];
  samples: SampleAttribution[];
}

const round = (v: Float32Array): number[] => Array.from(v, (x) => Math.round(x * 1e6) / 1e6);

/**
 * Saliency and Integrated Gradients of the predicted class for chosen samples (dataset indices in the split), or
 * by default for the first two misclassified and the first two correctly classified samples of the split.
 */
export function attributionSuite(ctx: SuiteContext, options: ValidateOptions): AttributionResult {
  const predicted = argMaxRows(ctx.probabilities(), ctx.classCount);
  const position = new Map(Array.from(ctx.indices, (index, k) => [index, k]));
  let chosen: number[];
  if (options.attributionSamples !== undefined) {
    chosen = options.attributionSamples.map((index) => {
      const k = position.get(index);
      if (k === undefined)
        throw badInput(`sample ${index} is not in the ${ctx.split} split of dataset ${ctx.dataset.id}`);
      return k;
    });
  } else {
    const all = Array.from(ctx.labels.keys());
    chosen = [
      ...all.filter((k) => predicted[k] !== ctx.labels[k]).slice(0, 2),
      ...all.filter((k) => predicted[k] === ctx.labels[k]).slice(0, 2),
    ];
  }
  const size = ctx.sampleShape.reduce((a, b) => a * b, 1);
  const steps = DEFAULT_IG_STEPS;
  return {
    method:
      'gradient of log p(predicted class); Integrated Gradients of p(predicted class) from an all-zero baseline (trapezoid rule)',
    steps,
    sampleShape: ctx.sampleShape,
    samples: chosen.map((k) => {
      const a = attribute(
        ctx.model,
        ctx.inputs.subarray(k * size, (k + 1) * size),
        ctx.sampleShape,
        predicted[k] as number,
        steps,
      );
      return {
        index: ctx.indices[k] as number,
        group: ctx.dataset.groups[ctx.groups[k] as number] ?? '',
        label: ctx.dataset.classes[ctx.labels[k] as number] as string,
        predicted: ctx.dataset.classes[predicted[k] as number] as string,
        probability: a.probability,
        baselineProbability: a.baselineProbability,
        saliency: round(a.saliency),
        integratedGradients: round(a.integratedGradients),
        completenessError: a.completenessError,
      };
    }),
  };
}
