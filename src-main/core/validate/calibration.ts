import { badInput } from '../errors.js';

export const DEFAULT_CALIBRATION_BINS = 15;

/** One bin of a reliability diagram: samples whose top probability falls in (lower, upper]. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean top-class probability of the bin's samples; null when the bin is empty. */
  confidence: number | null;
  /** Fraction of the bin's samples whose top class is the true class; null when empty. */
  accuracy: number | null;
}

export interface CalibrationFigures {
  n: number;
  /** Expected calibration error: sum over bins of |bin| / n * |accuracy - confidence| (Guo et al., 2017). */
  ece: number;
  /** Maximum calibration error: the largest |accuracy - confidence| over non-empty bins. */
  mce: number;
  /** Mean negative log-likelihood of the true class (natural log). */
  nll: number;
  /** Multi-class Brier score: mean over samples of the squared distance to the one-hot truth. */
  brier: number;
  bins: ReliabilityBin[];
}

/** Smallest probability taken as the log of a probability: keeps the log finite for a hard zero. */
const FLOOR = 1e-30;

/**
 * Calibration of a probabilistic classifier on labelled samples, from its class probabilities (row-major,
 * n x classes): ECE and MCE over equal-width confidence bins, NLL, Brier score, and the reliability diagram.
 */
export function calibrationFigures(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
  bins = DEFAULT_CALIBRATION_BINS,
): CalibrationFigures {
  const n = checkRows(probabilities, labels, classes);
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000)
    throw badInput(`calibration bins must be an integer from 1 to 1000, got ${bins}`);
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  let nll = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    const label = labels[i] as number;
    let top = 0;
    for (let c = 0; c < classes; c++) {
      const p = probabilities[row + c] as number;
      if (p > (probabilities[row + top] as number)) top = c;
      brier += (p - (c === label ? 1 : 0)) ** 2;
    }
    const confidence = probabilities[row + top] as number;
    nll -= Math.log(Math.max(probabilities[row + label] as number, FLOOR));
    // (m-1)/M < confidence <= m/M; a confidence of exactly 0 (impossible for a top class) would go to bin 0.
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
    count[bin] = (count[bin] as number) + 1;
    confidenceSum[bin] = (confidenceSum[bin] as number) + confidence;
    if (top === label) correctSum[bin] = (correctSum[bin] as number) + 1;
  }
  let ece = 0;
  let mce = 0;
  const diagram: ReliabilityBin[] = count.map((m, b) => {
    const confidence = m > 0 ? (confidenceSum[b] as number) / m : null;
    const accuracy = m > 0 ? (correctSum[b] as number) / m : null;
    if (m > 0) {
      const gap = Math.abs((accuracy as number) - (confidence as number));
      ece += (m / n) * gap;
      mce = Math.max(mce, gap);
    }
    return { lower: b / bins, upper: (b + 1) / bins, count: m, confidence, accuracy };
  });
  return { n, ece, mce, nll: nll / n, brier: brier / n, bins: diagram };
}

/**
 * Probabilities softened or sharpened by a temperature: softmax(log p / T). The model ends in a softmax, so
 * log p equals its logits up to a per-sample constant, which the softmax cancels: this is exactly temperature
 * scaling of the logits. The arg-max (and so accuracy) never changes.
 */
export function applyTemperature(
  probabilities: Float32Array,
  classes: number,
  temperature: number,
): Float32Array {
  if (!Number.isFinite(temperature) || temperature <= 0)
    throw badInput(`temperature must be a positive number, got ${temperature}`);
  const n = probabilities.length / classes;
  const out = new Float32Array(probabilities.length);
  const logits = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      logits[c] = Math.log(Math.max(probabilities[row + c] as number, FLOOR)) / temperature;
      max = Math.max(max, logits[c] as number);
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[c] as number) - max);
    for (let c = 0; c < classes; c++) out[row + c] = Math.exp((logits[c] as number) - max) / sum;
  }
  return out;
}

/** Mean NLL of the true class after temperature scaling, in double precision. */
function scaledNll(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
  temperature: number,
): number {
  const n = labels.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++)
      max = Math.max(max, Math.log(Math.max(probabilities[row + c] as number, FLOOR)) / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++)
      sum += Math.exp(Math.log(Math.max(probabilities[row + c] as number, FLOOR)) / temperature - max);
    const label = labels[i] as number;
    const own = Math.log(Math.max(probabilities[row + label] as number, FLOOR)) / temperature;
    total += Math.log(sum) + max - own;
  }
  return total / n;
}

export const TEMPERATURE_RANGE: [number, number] = [0.05, 20];

/**
 * The temperature that minimises the NLL of held-out labelled samples (Guo et al., 2017). The NLL is convex in
 * 1/T, hence unimodal in log T: a golden-section search over log T in TEMPERATURE_RANGE finds the minimum to
 * about 1e-6 relative precision without gradients.
 */
export function fitTemperature(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
): number {
  const n = checkRows(probabilities, labels, classes);
  if (n === 0) throw badInput('temperature scaling needs at least one held-out sample');
  const f = (logT: number): number => scaledNll(probabilities, labels, classes, Math.exp(logT));
  let a = Math.log(TEMPERATURE_RANGE[0]);
  let b = Math.log(TEMPERATURE_RANGE[1]);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-6) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

function checkRows(probabilities: Float32Array, labels: ArrayLike<number>, classes: number): number {
  if (!Number.isInteger(classes) || classes < 2)
    throw badInput(`calibration needs at least 2 classes, got ${classes}`);
  const n = labels.length;
  if (probabilities.length !== n * classes)
    throw badInput(`${probabilities.length} probabilities do not make ${n} rows of ${classes} classes`);
  if (n === 0) throw badInput('no samples to calibrate on');
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw badInput(`label ${label} at sample ${i} is not a class index from 0 to ${classes - 1}`);
  }
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i] as number;
    if (!(p >= 0 && p <= 1 + 1e-5))
      throw badInput(
        `value ${p} at row ${Math.floor(i / classes)} is not a probability: the model must end in a softmax`,
      );
  }
  return n;
}
