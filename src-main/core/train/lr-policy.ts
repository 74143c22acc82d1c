import { badInput } from '../errors.js';

/**
 * Learning-rate policies, as a function of the step (batch) count. The cyclic ones follow Smith 2017 ("Cyclical
 * learning rates for training neural networks"): triangular, triangular2 (amplitude halved every cycle) and
 * exp-range (amplitude scaled by gamma^step); one-cycle follows Smith & Topin 2019. Rates are absolute except
 * where the text says "fraction of the base".
 */
export type LrPolicy =
  | { kind: 'constant' }
  /** Multiply by gamma every `every` epochs. */
  | { kind: 'step'; every: number; gamma: number }
  /** Multiply by gamma every epoch. */
  | { kind: 'exponential'; gamma: number }
  /** Half a cosine from the base rate down to min (a fraction of the base) over the whole run. */
  | { kind: 'cosine'; min: number }
  /** Cyclic between low and high; a half cycle lasts `halfCycle` epochs. */
  | { kind: 'triangular' | 'triangular2'; low: number; high: number; halfCycle: number }
  | { kind: 'exp-range'; low: number; high: number; halfCycle: number; gamma: number }
  /** Up from max/25 to max over the first 30% of the run, then a cosine down to max/1e4. */
  | { kind: 'onecycle'; max: number };

export const LR_POLICY_SYNTAX =
  'constant | step:EPOCHS:GAMMA | exp:GAMMA | cosine[:MIN_FRACTION] | triangular:LOW:HIGH[:HALF_CYCLE_EPOCHS] | triangular2:LOW:HIGH[:HALF] | exp-range:LOW:HIGH:GAMMA[:HALF] | onecycle:MAX';

export function parseLrPolicy(text: string): LrPolicy {
  const [name = '', ...fields] = text.trim().split(':');
  const numbers = fields.map(Number);
  const bad = (why: string) => badInput(`--lr-policy "${text}": ${why}; the forms are ${LR_POLICY_SYNTAX}`);
  if (numbers.some((v) => !Number.isFinite(v) || v <= 0)) throw bad('every number must be positive');
  const at = (k: number, fallback?: number): number => {
    const v = numbers[k] ?? fallback;
    if (v === undefined) throw bad(`value ${k + 1} is missing`);
    return v;
  };
  const rate = (v: number) => {
    if (v > 10) throw bad(`a learning rate of ${v} is absurd`);
    return v;
  };
  switch (name) {
    case 'constant':
      return { kind: 'constant' };
    case 'step':
      return { kind: 'step', every: Math.max(1, Math.round(at(0))), gamma: at(1) };
    case 'exp':
      return { kind: 'exponential', gamma: at(0) };
    case 'cosine': {
      const min = at(0, 0.01);
      if (min >= 1) throw bad('the minimum is a fraction of the base rate, below 1');
      return { kind: 'cosine', min };
    }
    case 'triangular':
    case 'triangular2': {
      const low = rate(at(0));
      const high = rate(at(1));
      if (high <= low) throw bad('HIGH must be above LOW');
      return { kind: name, low, high, halfCycle: at(2, 2) };
    }
    case 'exp-range': {
      const low = rate(at(0));
      const high = rate(at(1));
      if (high <= low) throw bad('HIGH must be above LOW');
      const gamma = at(2);
      if (gamma > 1) throw bad('GAMMA shrinks the amplitude: at most 1');
      return { kind: 'exp-range', low, high, gamma, halfCycle: at(3, 2) };
    }
    case 'onecycle':
      return { kind: 'onecycle', max: rate(at(0)) };
    default:
      throw bad(`unknown policy "${name}"`);
  }
}

/** The rate of step `step` (0-based, counting batches over the whole run). */
export function learningRateAt(
  policy: LrPolicy,
  base: number,
  step: number,
  stepsPerEpoch: number,
  totalSteps: number,
): number {
  const epoch = Math.floor(step / stepsPerEpoch);
  switch (policy.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * policy.gamma ** Math.floor(epoch / policy.every);
    case 'exponential':
      return base * policy.gamma ** epoch;
    case 'cosine': {
      const progress = Math.min(1, step / Math.max(1, totalSteps - 1));
      return base * (policy.min + (1 - policy.min) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
    case 'triangular':
    case 'triangular2':
    case 'exp-range': {
      const half = Math.max(1, Math.round(policy.halfCycle * stepsPerEpoch));
      const cycle = Math.floor(step / (2 * half));
      const x = Math.abs(step / half - 2 * cycle - 1);
      const amplitude =
        policy.kind === 'exp-range'
          ? policy.gamma ** step
          : policy.kind === 'triangular2'
            ? 1 / 2 ** cycle
            : 1;
      return policy.low + (policy.high - policy.low) * Math.max(0, 1 - x) * amplitude;
    }
    case 'onecycle': {
      const warm = Math.max(1, Math.round(0.3 * totalSteps));
      if (step < warm) return policy.max / 25 + (policy.max - policy.max / 25) * (step / warm);
      const progress = Math.min(1, (step - warm) / Math.max(1, totalSteps - warm - 1));
      const end = policy.max / 1e4;
      return end + (policy.max - end) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}

/** Sets the rate an optimizer applies from its next step on (SGD caches it; Adam and others read the field). */
export function setOptimizerLearningRate(optimizer: object, rate: number): void {
  const target = optimizer as { setLearningRate?: (r: number) => void; learningRate?: number };
  if (typeof target.setLearningRate === 'function') target.setLearningRate(rate);
  else target.learningRate = rate;
}
