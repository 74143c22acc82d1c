import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import type { JobContext } from '../jobs/job-context.js';
import { badInput } from '../errors.js';
import { argMaxRows, predictClasses } from '../predict/predict.js';
import { DEFAULT_FGSM_EPSILONS, fgsmPerturb } from './fgsm.js';
import { pgdPerturb } from './pgd.js';
import {
  calibrateSprt,
  DEFAULT_MUTATION,
  detectionFigures,
  labelChanges,
  type DetectionFigures,
  type MutationSettings,
  type SprtSettings,
} from './mutation-detection.js';
import type { SuiteContext } from './suite-context.js';
import type { ValidateOptions } from './validate-options.js';

/** Half calibrate the threshold, half measure the false-positive rate: 200 normals give it +-3 points. */
export const DEFAULT_DETECTION_SAMPLES = 400;
export const DESIGN_FALSE_POSITIVE_RATE = 0.05;

export interface DetectionResult {
  mutation: MutationSettings;
  acceptedMutants: number;
  discardedMutants: number;
  /** Normal inputs that set the LCR threshold (and accept mutants); never scored. */
  referenceInputs: number;
  sprt: SprtSettings;
  /**
   * The design point of the SPRT's false-positive rate, how many reference normals the calibrated threshold
   * flags, and whether enough reference normals stand behind it (1 / alpha - 1 at least).
   */
  calibration: { designFalsePositiveRate: number; flaggedReference: number; calibrated: boolean };
  attacks: DetectionFigures[];
}

/**
 * nMutant-style detection of FGSM and PGD examples: half of the correctly classified test samples calibrate the
 * threshold (see calibrateSprt: the SPRT flags at most 5% of normal inputs), the other half and their
 * adversarial versions are scored by LCR (AUC per attack) and decided by the SPRT.
 */
export async function detectionSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<DetectionResult> {
  const predicted = argMaxRows(ctx.probabilities(), ctx.classCount);
  const correct = Array.from(ctx.labels.keys()).filter((i) => predicted[i] === ctx.labels[i]);
  if (correct.length < 20)
    throw badInput(
      `adversarial detection needs at least 20 correctly classified samples; the model has ${correct.length}`,
    );
  const wanted = Math.min(correct.length, options.detectionSamples ?? DEFAULT_DETECTION_SAMPLES);
  const order = shuffledIndices(correct.length, createRng(deriveSeed(ctx.seed, 'detection')));
  const chosen = Array.from(order.subarray(0, wanted), (k) => correct[k] as number);
  const half = Math.floor(chosen.length / 2);
  const reference = chosen.slice(0, half);
  const scored = chosen.slice(half);
  const size = ctx.sampleShape.reduce((a, b) => a * b, 1);
  const gather = (indices: number[]): Float32Array => {
    const out = new Float32Array(indices.length * size);
    indices.forEach((i, k) => out.set(ctx.inputs.subarray(i * size, (i + 1) * size), k * size));
    return out;
  };
  const scoredInputs = gather(scored);
  const scoredLabels = Int32Array.from(scored, (i) => ctx.labels[i] as number);
  // Each example at the smallest epsilon of the sweep that fools the model, as an attacker hiding the
  // perturbation would: examples far past the boundary are easy to detect and would flatter the detector.
  const epsilons =
    options.detectionEpsilon !== undefined
      ? [options.detectionEpsilon]
      : [...(options.epsilons ?? DEFAULT_FGSM_EPSILONS)].sort((a, b) => a - b);
  const epsilon = epsilons[epsilons.length - 1] ?? 0;
  const common = {
    model: ctx.model,
    inputs: scoredInputs,
    sampleShape: ctx.sampleShape,
    labels: scoredLabels,
    classes: ctx.classCount,
  };
  job.progress(0.05, 'mutation detection: crafting FGSM and PGD examples');
  const craft = (attack: string, perturb: (e: number) => Float32Array) => {
    const chosen = new Float32Array(scoredInputs.length);
    const done = new Uint8Array(scored.length);
    for (const e of epsilons) {
      const candidate = perturb(e);
      const after = predictClasses(ctx.model, candidate, ctx.sampleShape);
      after.forEach((p, k) => {
        if (done[k] === 0 && p !== scoredLabels[k]) {
          done[k] = 1;
          chosen.set(candidate.subarray(k * size, (k + 1) * size), k * size);
        }
      });
    }
    // Only successful attacks are adversarial examples; failed ones are still normal inputs for the model.
    const kept = Array.from(done.keys()).filter((k) => done[k] === 1);
    const out = new Float32Array(kept.length * size);
    kept.forEach((i, k) => out.set(chosen.subarray(i * size, (i + 1) * size), k * size));
    return { attack, inputs: out, count: kept.length };
  };
  const crafted = [
    craft('fgsm', (e) => fgsmPerturb({ ...common, epsilon: e })),
    craft('pgd-linf', (e) => pgdPerturb({ ...common, epsilon: e, seed: ctx.seed })),
  ];
  const all = new Float32Array(
    (reference.length + scored.length + crafted.reduce((a, c) => a + c.count, 0)) * size,
  );
  all.set(gather(reference), 0);
  all.set(scoredInputs, reference.length * size);
  let offset = (reference.length + scored.length) * size;
  for (const c of crafted) {
    all.set(c.inputs, offset);
    offset += c.inputs.length;
  }
  const mutation: MutationSettings = {
    ...DEFAULT_MUTATION,
    ...(options.mutants !== undefined ? { mutants: options.mutants } : {}),
    ...(options.mutationRate !== undefined ? { rate: options.mutationRate } : {}),
    seed: ctx.seed,
  };
  job.progress(0.2, `mutation detection: ${mutation.mutants} mutants of the model`);
  const { changed, discarded } = labelChanges(ctx.model, all, ctx.sampleShape, reference.length, mutation);
  if (changed.length === 0)
    throw badInput(
      `every mutant changed more than ${(1 - mutation.minAgreement) * 100}% of normal labels; lower --mutation-rate`,
    );
  // outcomes[i] = input i's label change under each mutant, in mutant order (for the SPRT).
  const outcomes = (from: number, count: number): Uint8Array[] =>
    Array.from({ length: count }, (_, k) => Uint8Array.from(changed, (c) => c[from + k] as number));
  // The threshold is calibrated on the reference normals so the SPRT's false-positive rate meets its design
  // point (alpha); the scored normals, never seen by the calibration, then measure it.
  const calibration = calibrateSprt(outcomes(0, reference.length), changed.length, {
    alpha: DESIGN_FALSE_POSITIVE_RATE,
    beta: 0.05,
  });
  const sprt = calibration.sprt;
  const normal = outcomes(reference.length, scored.length);
  let start = reference.length + scored.length;
  const attacks = crafted.map((c) => {
    const figures = detectionFigures(c.attack, epsilon, normal, outcomes(start, c.count), sprt);
    start += c.count;
    return figures;
  });
  return {
    mutation,
    acceptedMutants: changed.length,
    discardedMutants: discarded,
    referenceInputs: reference.length,
    sprt,
    calibration: {
      designFalsePositiveRate: DESIGN_FALSE_POSITIVE_RATE,
      flaggedReference: calibration.flagged,
      calibrated: calibration.calibrated,
    },
    attacks,
  };
}
