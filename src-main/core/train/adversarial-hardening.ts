import type { tfl } from '../engine/tf.js';
import { createRng, deriveSeed, gaussian } from '../engine/seed.js';
import { badInput } from '../errors.js';
import { fgsmPerturb } from '../validate/fgsm.js';
import { pgdPerturb } from '../validate/pgd.js';
import { predictClasses } from '../predict/predict.js';
import { loadEcgNoises, type EcgNoiseName } from '../validate/ecg-noises.js';

/**
 * Hardening recipes for training: which perturbed copies of the training samples replace clean ones at the
 * start of each epoch (regenerated against the current weights, so the attack follows the model as it learns).
 *
 *   pgd       PGD-AT (Madry et al., 2018): L-inf PGD examples.
 *   diverse   diversity adversarial training: FGSM, PGD L-inf and PGD L2 examples mixed, one attack per sample.
 *   manifold  on-manifold training: the domain's own noise models (for ECG the NSTDB baseline wander, muscle
 *             artifact and electrode motion at a random SNR; Gaussian noise otherwise), not gradient attacks.
 *
 * With per-class weighting, classes the attack flips more often get proportionally more adversarial samples.
 * `attest train` makes the gradient attacks (pgd, diverse) batch by batch against the weights each batch
 * updates (batch-hardening.ts), as the papers do; the per-epoch perturber below serves on-manifold noise, which
 * does not depend on the weights.
 */
export type HardeningKind = 'pgd' | 'diverse' | 'manifold';

export interface HardeningOptions {
  kind: HardeningKind;
  /** L-inf radius of the attacks (model input units), or, for `manifold`, the lowest SNR in dB. */
  strength: number;
  /** Fraction of each epoch's samples replaced by perturbed ones (before per-class weighting). */
  fraction: number;
  /** PGD steps of the attacks. */
  steps: number;
  perClassWeighting: boolean;
}

export const HARDENING_KINDS: HardeningKind[] = ['pgd', 'diverse', 'manifold'];

/** Parses `pgd:0.05`, `diverse:0.05:0.5`, `manifold:0`, with an optional `:weighted` at the end. */
export function parseHardening(text: string): HardeningOptions {
  const parts = text.split(':').map((s) => s.trim());
  const perClassWeighting = parts[parts.length - 1] === 'weighted';
  if (perClassWeighting) parts.pop();
  const [kind, strengthText, fractionText] = parts;
  if (!HARDENING_KINDS.includes(kind as HardeningKind))
    throw badInput(`--harden must start with one of ${HARDENING_KINDS.join(', ')}, got "${text}"`);
  const strength = Number(strengthText ?? (kind === 'manifold' ? 0 : 0.05));
  const fraction = Number(fractionText ?? 0.5);
  if (!Number.isFinite(strength) || (kind !== 'manifold' && (strength <= 0 || strength > 10)))
    throw badInput(`--harden ${kind}: epsilon must be a number in (0, 10], got "${strengthText}"`);
  if (kind === 'manifold' && (strength < -20 || strength > 40))
    throw badInput(`--harden manifold: the lowest SNR must be from -20 to 40 dB, got "${strengthText}"`);
  if (!(fraction > 0 && fraction <= 1))
    throw badInput(`--harden: fraction must be in (0, 1], got "${fractionText}"`);
  return { kind: kind as HardeningKind, strength, fraction, steps: 5, perClassWeighting };
}

/** Noise records for on-manifold training, resampled from 360 Hz to the dataset's rate. */
function ecgNoiseRecords(fs: number): Float32Array[] {
  const noises = loadEcgNoises(['bw', 'ma', 'em'] as EcgNoiseName[]);
  return Object.values(noises)
    .filter((n): n is Float32Array => n instanceof Float32Array)
    .map((record) => {
      if (fs === 360) return record;
      const length = Math.floor((record.length * fs) / 360);
      return Float32Array.from({ length }, (_, i) => {
        const t = (i * 360) / fs;
        const k = Math.floor(t);
        const a = record[k] ?? 0;
        return a + ((record[k + 1] ?? a) - a) * (t - k);
      });
    });
}

/** Per-sample standardisation, as ECG beats are stored (so that a noisy beat is again a model input). */
function restandardize(x: Float32Array, from: number, size: number): void {
  let mean = 0;
  for (let j = 0; j < size; j++) mean += x[from + j] as number;
  mean /= size;
  let variance = 0;
  for (let j = 0; j < size; j++) variance += ((x[from + j] as number) - mean) ** 2;
  const sd = Math.sqrt(variance / size) + 1e-6;
  for (let j = 0; j < size; j++) x[from + j] = ((x[from + j] as number) - mean) / sd;
}

/** Mean square of a waveform about its mean (values from..from+size of x). */
function waveformPower(x: Float32Array, from: number, size: number): number {
  let mean = 0;
  for (let j = 0; j < size; j++) mean += x[from + j] as number;
  mean /= size;
  let power = 0;
  for (let j = 0; j < size; j++) power += ((x[from + j] as number) - mean) ** 2;
  return Math.max(1e-12, power / size);
}

/**
 * The per-epoch perturbation for fitEpochs' perturbEpoch hook: returns the epoch's inputs with the chosen
 * fraction of samples replaced by perturbed copies. Deterministic for a seed and epoch.
 */
export function hardeningPerturber(o: {
  model: tfl.LayersModel;
  sampleShape: number[];
  classes: number;
  hardening: HardeningOptions;
  seed: number;
  /** 'ecg-beat' and 'ecg-beat-rr' inputs get real ECG noise for `manifold`; other kinds Gaussian noise. */
  inputKind: string;
  fs?: number;
  /**
   * Per sample: 1 where hardening may change a value, 0 on a context tail (perturbableMask): an ECG beat's
   * R-R intervals are what the heart did, so neither noise nor attacks touch them, as in the attack suites.
   */
  mask?: Float32Array;
  onEpochFigures?(epoch: number, figures: { perturbed: number; successByClass: (number | null)[] }): void;
}): (x: Float32Array, y: Int32Array, epoch: number) => Float32Array {
  const size = o.sampleShape.reduce((a, b) => a * b, 1);
  const h = o.hardening;
  const isEcg = o.inputKind === 'ecg-beat' || o.inputKind === 'ecg-beat-rr';
  const noises = h.kind === 'manifold' && isEcg ? ecgNoiseRecords(o.fs ?? 360) : [];
  // The values noise may change: the signal before a context tail (the tail is zeros at the end of the mask).
  const signal = o.mask !== undefined ? o.mask.indexOf(0) : -1;
  const signalSize = signal >= 0 ? signal : size;
  const masked = o.mask !== undefined ? { mask: o.mask } : {};
  return (x, y, epoch) => {
    const n = y.length;
    const rng = createRng(deriveSeed(o.seed, 'harden', epoch));
    const out = x.slice();
    let candidate: Float32Array;
    if (h.kind === 'manifold') {
      candidate = x.slice();
      for (let i = 0; i < n; i++) {
        // SNR uniform between the lowest and 24 dB; the standardized beat has power 1, a beat kept at its
        // record's scale (R-R context) the power of its own waveform.
        const snr = h.strength + (24 - h.strength) * rng();
        const power = o.inputKind === 'ecg-beat-rr' ? waveformPower(x, i * size, signalSize) : 1;
        const rms = Math.sqrt(power * 10 ** (-snr / 10));
        const noise = noises.length > 0 ? noises[Math.floor(rng() * noises.length)] : undefined;
        let sum = 0;
        const segment = new Float32Array(signalSize);
        if (noise !== undefined) {
          const start = Math.floor(rng() * (noise.length - signalSize));
          for (let j = 0; j < signalSize; j++) segment[j] = noise[start + j] as number;
          let mean = 0;
          for (const v of segment) mean += v;
          mean /= signalSize;
          for (let j = 0; j < signalSize; j++) {
            segment[j] = (segment[j] as number) - mean;
            sum += (segment[j] as number) ** 2;
          }
        } else {
          for (let j = 0; j < signalSize; j++) {
            segment[j] = gaussian(rng);
            sum += (segment[j] as number) ** 2;
          }
        }
        const scale = rms / Math.max(1e-12, Math.sqrt(sum / signalSize));
        for (let j = 0; j < signalSize; j++)
          candidate[i * size + j] = (x[i * size + j] as number) + scale * (segment[j] as number);
        if (o.inputKind === 'ecg-beat') restandardize(candidate, i * size, size);
      }
    } else {
      const common = {
        model: o.model,
        sampleShape: o.sampleShape,
        classes: o.classes,
        seed: deriveSeed(o.seed, 'harden-pgd', epoch),
        ...masked,
      };
      if (h.kind === 'pgd') {
        candidate = pgdPerturb({
          ...common,
          inputs: x,
          labels: y,
          epsilon: h.strength,
          settings: { steps: h.steps },
        });
      } else {
        // One attack per sample, in turn: FGSM, PGD L-inf, PGD L2 of radius epsilon * sqrt(size / 3) (the L2
        // norm of an L-inf perturbation that moves a third of the values fully).
        candidate = x.slice();
        const groups = [0, 1, 2].map((a) =>
          Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === a),
        );
        for (const [a, indices] of groups.entries()) {
          if (indices.length === 0) continue;
          const inputs = new Float32Array(indices.length * size);
          indices.forEach((i, k) => inputs.set(x.subarray(i * size, (i + 1) * size), k * size));
          const labels = Int32Array.from(indices, (i) => y[i] as number);
          const perturbed =
            a === 0
              ? fgsmPerturb({ ...common, inputs, labels, epsilon: h.strength })
              : a === 1
                ? pgdPerturb({ ...common, inputs, labels, epsilon: h.strength, settings: { steps: h.steps } })
                : pgdPerturb({
                    ...common,
                    inputs,
                    labels,
                    epsilon: h.strength * Math.sqrt(size / 3),
                    settings: { steps: h.steps, norm: 'L2' },
                  });
          indices.forEach((i, k) => candidate.set(perturbed.subarray(k * size, (k + 1) * size), i * size));
        }
      }
    }
    // Per-class weighting: the attack's success rate per class scales that class's share of perturbed samples.
    const successByClass: (number | null)[] = new Array<number | null>(o.classes).fill(null);
    let share = new Array<number>(o.classes).fill(h.fraction);
    if (h.perClassWeighting && h.kind !== 'manifold') {
      const after = predictClasses(o.model, candidate, o.sampleShape);
      const count = new Array<number>(o.classes).fill(0);
      const fooled = new Array<number>(o.classes).fill(0);
      for (let i = 0; i < n; i++) {
        const c = y[i] as number;
        count[c] = (count[c] as number) + 1;
        if (after[i] !== c) fooled[c] = (fooled[c] as number) + 1;
      }
      count.forEach((m, c) => (successByClass[c] = m > 0 ? (fooled[c] as number) / m : null));
      const rates = successByClass.filter((r): r is number => r !== null);
      const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
      share = successByClass.map((r) =>
        r === null || mean === 0 ? h.fraction : Math.min(1, (h.fraction * r) / mean),
      );
    }
    let perturbed = 0;
    for (let i = 0; i < n; i++) {
      if (rng() < (share[y[i] as number] ?? h.fraction)) {
        out.set(candidate.subarray(i * size, (i + 1) * size), i * size);
        perturbed++;
      }
    }
    o.onEpochFigures?.(epoch, { perturbed, successByClass });
    return out;
  };
}
