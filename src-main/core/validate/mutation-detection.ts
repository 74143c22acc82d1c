import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed, gaussian } from '../engine/seed.js';
import { badInput } from '../errors.js';
import { predictClasses } from '../predict/predict.js';
import { binaryRoc } from './roc.js';

/**
 * Adversarial-sample detection by model mutation (nMutant; Wang et al., ICSE 2019): adversarial inputs sit close
 * to a decision boundary, so small random mutations of the model change their label far more often than the
 * label of a normal input. The label change rate (LCR) over mutants is the detection score; a sequential
 * probability ratio test decides per input with as few mutants as it needs.
 */

export interface MutationSettings {
  mutants: number;
  /** Fraction of each kernel's weights a mutant perturbs (Gaussian fuzzing). */
  rate: number;
  /** Standard deviation of the added noise, in standard deviations of the kernel's weights. */
  scale: number;
  /** A mutant that agrees with the original model on fewer of the reference inputs is discarded (as in nMutant). */
  minAgreement: number;
  seed: number;
}

export const DEFAULT_MUTATION: Omit<MutationSettings, 'seed'> = {
  mutants: 30,
  rate: 0.05,
  scale: 1,
  minAgreement: 0.9,
};

/**
 * For each accepted mutant, which inputs changed label against the original model: changed[m][i] = 1. The model's
 * weights are restored exactly afterwards, even on error. `reference` (the first `referenceCount` inputs) are the
 * normal inputs used to accept or discard a mutant.
 */
export function labelChanges(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  referenceCount: number,
  settings: MutationSettings,
): { changed: Uint8Array[]; discarded: number } {
  if (!Number.isInteger(settings.mutants) || settings.mutants < 1 || settings.mutants > 1000)
    throw badInput(`mutants must be an integer from 1 to 1000, got ${settings.mutants}`);
  if (!(settings.rate > 0 && settings.rate <= 1))
    throw badInput(`mutation rate must be in (0, 1], got ${settings.rate}`);
  if (!(settings.scale > 0 && settings.scale <= 100))
    throw badInput(`mutation scale must be in (0, 100], got ${settings.scale}`);
  const original = predictClasses(model, inputs, sampleShape);
  const weights = model.weights;
  const values = weights.map((w) => w.read().dataSync().slice() as Float32Array);
  const shapes = weights.map((w) => w.shape);
  const rng = createRng(deriveSeed(settings.seed, 'mutants'));
  const changed: Uint8Array[] = [];
  let discarded = 0;
  const setValues = (arrays: Float32Array[]): void => {
    const tensors = arrays.map((a, k) => tf.tensor(a, shapes[k] as number[]));
    try {
      model.setWeights(tensors);
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  };
  try {
    for (let attempt = 0; changed.length < settings.mutants && attempt < settings.mutants * 5; attempt++) {
      const mutated = values.map((v, k) => {
        // Only kernels (rank >= 2) are fuzzed: biases and normalisation statistics stay as trained.
        if ((shapes[k]?.length ?? 0) < 2) return v;
        let mean = 0;
        for (const x of v) mean += x;
        mean /= v.length;
        let variance = 0;
        for (const x of v) variance += (x - mean) ** 2;
        const sd = Math.sqrt(variance / Math.max(1, v.length)) * settings.scale;
        const out = v.slice();
        for (let j = 0; j < out.length; j++)
          if (rng() < settings.rate) out[j] = (out[j] as number) + sd * gaussian(rng);
        return out;
      });
      setValues(mutated);
      const predicted = predictClasses(model, inputs, sampleShape);
      let agree = 0;
      for (let i = 0; i < referenceCount; i++) if (predicted[i] === original[i]) agree++;
      if (referenceCount > 0 && agree / referenceCount < settings.minAgreement) {
        discarded++;
        continue;
      }
      changed.push(Uint8Array.from(predicted, (p, i) => (p !== original[i] ? 1 : 0)));
    }
  } finally {
    setValues(values);
  }
  return { changed, discarded };
}

/** Label change rate of each input over the mutants. */
export function labelChangeRates(changed: Uint8Array[], n: number): Float64Array {
  const rates = new Float64Array(n);
  for (const c of changed) for (let i = 0; i < n; i++) rates[i] = (rates[i] as number) + (c[i] as number);
  return rates.map((r) => r / Math.max(1, changed.length));
}

export interface SprtSettings {
  /** LCR threshold: above it an input is called adversarial. */
  threshold: number;
  /** Half-width of the indifference region around the threshold. */
  indifference: number;
  alpha: number;
  beta: number;
}

/**
 * Wald's sequential probability ratio test on one input's mutant outcomes, in order: H0 "LCR >= threshold +
 * indifference" (adversarial) against H1 "LCR <= threshold - indifference" (normal). Stops as soon as the
 * likelihood ratio crosses a bound; if the mutants run out first, decides by the observed rate.
 */
export function sprtDecide(
  outcomes: ArrayLike<number>,
  s: SprtSettings,
): { adversarial: boolean; used: number } {
  const p0 = Math.min(0.999, s.threshold + s.indifference);
  const p1 = Math.max(0.001, s.threshold - s.indifference);
  const accept1 = Math.log((1 - s.beta) / s.alpha);
  const accept0 = Math.log(s.beta / (1 - s.alpha));
  let llr = 0;
  let changes = 0;
  for (let m = 0; m < outcomes.length; m++) {
    const z = outcomes[m] as number;
    changes += z;
    llr += z === 1 ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0));
    if (llr >= accept1) return { adversarial: false, used: m + 1 };
    if (llr <= accept0) return { adversarial: true, used: m + 1 };
  }
  return { adversarial: changes / Math.max(1, outcomes.length) >= s.threshold, used: outcomes.length };
}

export interface DetectionFigures {
  attack: string;
  /** The largest epsilon tried; each example is taken at the smallest epsilon that fooled the model. */
  epsilon: number;
  /** Adversarial inputs: successful attacks on correctly classified test samples. */
  adversarial: number;
  /** Normal inputs scored (those not used to set the threshold). */
  normal: number;
  meanLcrNormal: number;
  meanLcrAdversarial: number | null;
  /** AUC of the LCR separating adversarial from normal inputs; null without adversarial input. */
  auc: number | null;
  /** SPRT: fraction of adversarial inputs flagged, of normal inputs flagged, and the mean mutants used. */
  detectionRate: number | null;
  falsePositiveRate: number;
  /** 95% Wilson interval of the false-positive rate over the scored normal inputs. */
  falsePositiveInterval: [number, number];
  meanMutantsUsed: number;
}

/** Figures of one attack, from outcomes over the mutants of normal and adversarial inputs. */
export function detectionFigures(
  attack: string,
  epsilon: number,
  normal: Uint8Array[],
  adversarial: Uint8Array[],
  sprt: SprtSettings,
): DetectionFigures {
  const lcr = (o: Uint8Array) => o.reduce((a, b) => a + b, 0) / Math.max(1, o.length);
  const normalLcr = normal.map(lcr);
  const adversarialLcr = adversarial.map(lcr);
  const decisions = [...normal, ...adversarial].map((o) => sprtDecide(o, sprt));
  const flagged = (from: number, to: number) => decisions.slice(from, to).filter((d) => d.adversarial).length;
  const mean = (v: number[]) => (v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null);
  return {
    attack,
    epsilon,
    adversarial: adversarial.length,
    normal: normal.length,
    meanLcrNormal: mean(normalLcr) ?? 0,
    meanLcrAdversarial: mean(adversarialLcr),
    auc:
      adversarial.length > 0 && normal.length > 0
        ? binaryRoc(
            [...adversarialLcr, ...normalLcr],
            [...adversarialLcr.map(() => 1), ...normalLcr.map(() => 0)],
          ).auc
        : null,
    detectionRate:
      adversarial.length > 0 ? flagged(normal.length, decisions.length) / adversarial.length : null,
    falsePositiveRate: normal.length > 0 ? flagged(0, normal.length) / normal.length : 0,
    falsePositiveInterval: wilsonInterval(flagged(0, normal.length), normal.length),
    meanMutantsUsed: mean(decisions.map((d) => d.used)) ?? 0,
  };
}

export interface SprtCalibration {
  sprt: SprtSettings;
  /** Normal inputs the threshold was calibrated on, and how many of them its SPRT flags. */
  normals: number;
  flagged: number;
  /** False when too few normal inputs stand behind the design point (fewer than 1 / alpha - 1). */
  calibrated: boolean;
}

/**
 * The LCR threshold calibrated so that the SPRT, as it decides (stopping early, or falling back on the observed
 * rate when the mutants run out), flags at most the design share `alpha` of normal inputs. A percentile of the
 * normal LCRs does not: ties at the few values an LCR takes over M mutants, and the SPRT's own decisions, let
 * far more than alpha through. Here each candidate threshold (k / 4M) is run through the SPRT on the calibration
 * normals, and the smallest one with (flagged + 1) / (normals + 1) <= alpha is kept: the conformal bound, so the
 * expected false-positive rate on new normal inputs (exchangeable with the calibration ones) is about alpha or
 * less; one calibration's rate scatters around it (about +-2 points with 200 calibration normals).
 */
export function calibrateSprt(
  normalOutcomes: Uint8Array[],
  mutants: number,
  design: { alpha: number; beta: number } = { alpha: 0.05, beta: 0.05 },
): SprtCalibration {
  const n = normalOutcomes.length;
  const settingsAt = (threshold: number): SprtSettings => ({
    threshold,
    indifference: Math.max(0.01, threshold / 2),
    alpha: design.alpha,
    beta: design.beta,
  });
  const flaggedAt = (s: SprtSettings) => normalOutcomes.filter((o) => sprtDecide(o, s).adversarial).length;
  let last: SprtCalibration | undefined;
  // A grid four times finer than the LCR's own steps: the threshold also sets the SPRT's two hypotheses.
  const steps = 4 * Math.max(1, mutants);
  for (let k = 1; k <= steps; k++) {
    const sprt = settingsAt(k / steps);
    const flagged = flaggedAt(sprt);
    last = { sprt, normals: n, flagged, calibrated: (flagged + 1) / (n + 1) <= design.alpha };
    if (last.calibrated) return last;
  }
  // No threshold meets the bound (too few normal inputs): the strictest one, marked as not calibrated.
  return last ?? { sprt: settingsAt(1), normals: n, flagged: 0, calibrated: false };
}

/** Wilson score interval (95%) of a proportion: the false-positive rate's uncertainty on this many normals. */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
